/**
 * Flow control of outgoing frames.
 *
 * Order: frames are transmitted strictly in the order they were submitted. A frame that
 * cannot go out at once waits in the outbox, and the outbox is flushed head first whenever
 * room appears; a new frame never overtakes a waiting one (an earlier design woke waiters
 * and let them send from their continuation, and a fresh send could slip in between —
 * ActiveMQ then saw fragment 730 before 728).
 *
 * Design: a sender may go ahead when (a) fewer than `maxUnreceipted` receipts are awaited and
 * (b) the transport holds no more than `highWaterMark` unsent bytes. Otherwise it waits in a
 * FIFO queue, woken when a receipt arrives or the transport drains. This gives the producer
 * two brakes: the broker's own pace (receipts come back only when a persistent message is
 * stored, and ActiveMQ's producer flow control delays them) and the local socket. Every
 * waiter and every awaited receipt is settled when the session fails — nothing hangs.
 * @module
 */
import { ErrorCode, StompStreamsError, abortError } from '../errors.js';

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface Queued {
  needsReceipt: boolean;
  run(): void;
  reject(err: unknown): void;
}

interface Pending {
  resolve(): void;
  reject(err: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Tracks awaited receipts and writers waiting for room. @internal */
export class ReceiptWindow {
  #pending = new Map<string, Pending>();
  #waiters: Waiter[] = [];
  #outbox: Queued[] = [];
  #max: number;
  #hwm: number;
  #buffered: () => number;
  #failure: Error | undefined;
  #next = 0;
  /** Most receipts awaited at once. */
  maxSeen = 0;

  constructor(maxUnreceipted: number, highWaterMark: number, buffered: () => number) {
    this.#max = maxUnreceipted;
    this.#hwm = highWaterMark;
    this.#buffered = buffered;
  }

  /** Receipts awaited now. */
  get unreceipted(): number {
    return this.#pending.size;
  }

  /** True when a frame that wants a receipt may be sent now. */
  hasRoom(needsReceipt = true): boolean {
    if (this.#waiters.length > 0 || this.#outbox.length > 0) return false;
    return this.#roomFor(needsReceipt);
  }

  /**
   * Runs `transmit` (which writes one frame) in submission order, at once if there is room
   * and nothing is queued, otherwise when room appears. Resolves with what `transmit`
   * returned; rejects on failure or abort (then `transmit` never runs).
   */
  submit<T>(needsReceipt: boolean, transmit: () => T, signal?: AbortSignal): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (signal?.aborted) return Promise.reject(abortError(signal, 'send'));
    if (this.hasRoom(needsReceipt)) {
      try {
        return Promise.resolve(transmit());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Queued = {
        needsReceipt,
        run: () => { try { resolve(transmit()); } catch (err) { reject(err); } },
        reject,
      };
      this.#outbox.push(entry);
      signal?.addEventListener('abort', () => this.#removeAndReject(this.#outbox, entry, abortError(signal, 'send')), { once: true });
    });
  }

  /** Frames waiting in the outbox. */
  get queued(): number {
    return this.#outbox.length;
  }

  /**
   * Resolves when a frame wanting a receipt would go out at once (for `ready()`); rejects on
   * failure or abort. It only observes: frames themselves go through {@link submit}.
   */
  wait(signal?: AbortSignal): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (signal?.aborted) return Promise.reject(abortError(signal, 'send'));
    if (this.hasRoom(true)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', () => this.#removeAndReject(this.#waiters, waiter, abortError(signal, 'send')), { once: true });
    });
  }

  /** A fresh receipt id (register it with {@link expect} when the frame goes out). */
  nextId(): string {
    return `r${++this.#next}`;
  }

  /** Registers a receipt to await; returns its id and the promise settled by {@link settle}. */
  expect(timeoutMs: number, id = this.nextId()): { id: string; done: Promise<void> } {
    if (this.#failure) return { id, done: Promise.reject(this.#failure) };
    const done = new Promise<void>((resolve, reject) => {
      const timer = timeoutMs > 0 ? setTimeout(() => this.#timeout(id, timeoutMs), timeoutMs) : undefined;
      this.#pending.set(id, { resolve, reject, timer });
    });
    if (this.#pending.size > this.maxSeen) this.maxSeen = this.#pending.size;
    return { id, done };
  }

  /** A RECEIPT arrived. Returns false for an id we never asked for. */
  settle(id: string): boolean {
    const p = this.#pending.get(id);
    if (!p) return false;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    p.resolve();
    this.wake();
    return true;
  }

  /** Flush the outbox, then let waiters through, while there is room (call on receipt and on transport drain). */
  wake(): void {
    while (this.#outbox.length > 0 && this.#roomFor((this.#outbox[0] as Queued).needsReceipt)) {
      (this.#outbox.shift() as Queued).run();
    }
    if (this.#outbox.length > 0) return;
    if (this.#roomFor(true)) for (const w of this.#waiters.splice(0)) w.resolve();
  }

  /** Reject every awaited receipt and waiter; later calls reject at once. */
  fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.#pending.clear();
    for (const w of this.#waiters.splice(0)) w.reject(err);
    for (const q of this.#outbox.splice(0)) q.reject(err);
  }

  /** An aborted waiter or queued frame leaves its queue; the ones behind it may now go. */
  #removeAndReject<T extends { reject(err: unknown): void }>(queue: T[], item: T, err: Error): void {
    const i = queue.indexOf(item);
    if (i < 0) return;
    queue.splice(i, 1);
    item.reject(err);
    this.wake();
  }

  #roomFor(needsReceipt: boolean): boolean {
    if (needsReceipt && this.#pending.size >= this.#max) return false;
    return this.#buffered() <= this.#hwm;
  }

  #timeout(id: string, ms: number): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    p.reject(new StompStreamsError(ErrorCode.Timeout, `no RECEIPT ${id} within ${ms} ms`));
    this.wake();
  }
}

