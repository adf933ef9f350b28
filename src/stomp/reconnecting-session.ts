/**
 * A session that outlives its connections: when the socket drops or the broker restarts, it
 * reconnects with backoff and carries on.
 *
 * Design:
 * - **Sends.** Every SEND that wants a receipt is encoded once (with a receipt id unique
 *   across connections) and kept, in submission order, until its RECEIPT arrives. After a
 *   reconnect the kept frames go out again, oldest first, before anything newer. A frame the
 *   broker stored but whose receipt was lost is therefore sent twice: the stream layer drops
 *   the copy by sequence number. Memory is bounded by the callers' own windows (a producer
 *   keeps at most `window` fragments unreceipted).
 * - **Subscriptions** are renewed on the new connection unless they were made with
 *   `resubscribe: false` (a stream's fragment subscription is: the stream fails with a
 *   `ConnectionError` and comes back through the resume path, because its announcement lease
 *   was lost with the connection and another consumer may hold the stream now).
 * - **Acknowledgements** of messages delivered on an earlier connection do nothing: the broker
 *   took those messages back when the connection died and delivers them again.
 * - **Transactions** do not survive a reconnect: using one afterwards rejects.
 * - What reconnects: a lost socket and a heart-beat timeout. What does not: an ERROR frame,
 *   a malformed frame, `disconnect()`, `destroy()`, a failed first connect. The session gives
 *   up after `reconnect.timeout` ms without a connection and fails like a plain session.
 * @module
 */
import { ConnectionError, ErrorCode, abortError } from '../errors.js';
import { backoffDelay, type ResolvedReconnect } from './backoff.js';
import type { BrokerProfile } from './broker-profile.js';
import type { FrameHeaders } from './frame.js';
import { allocBytes, encodeFrameWith } from './frame-codec.js';
import { FramePool } from './frame-pool.js';
import type { NativeSession } from './session.js';
import type {
  AckOptions, SendHeaders, SendOptions, SessionStats, StompMessage, StompSession, SubscribeOptions, Subscription, Transaction,
} from './session-types.js';

/** A SEND kept until its receipt arrives. */
interface Unfinished {
  frame: Uint8Array;
  receiptId: string;
  signal: AbortSignal | undefined;
  /** Connection generation it was last handed to (0: not yet). */
  generation: number;
  resolve(): void;
  reject(err: unknown): void;
}

interface Waiter {
  resolve(s: NativeSession): void;
  reject(err: unknown): void;
}

/** Opens one connection (`first`: the initial connect, which may use the caller's signal). */
type Opener = (first: boolean) => Promise<NativeSession>;

/** @internal */
export class ReconnectingSession implements StompSession {
  readonly closed: Promise<Error | undefined>;
  #open: Opener;
  #opts: ResolvedReconnect;
  #inner: NativeSession | undefined;
  #last: NativeSession;
  #generation = 0;
  #unfinished: Unfinished[] = [];
  /** Memory of receipted SEND frames, reused for the next ones. */
  readonly #frames = new FramePool(allocBytes);
  #subs = new Set<ResilientSubscription>();
  #waiters: Waiter[] = [];
  #generationOf = new WeakMap<StompMessage, number>();
  #transactions = new Map<string, number>();
  #settleClosed!: (err: Error | undefined) => void;
  #ended = false;
  #sleep: AbortController | undefined;
  #reconnects = 0;
  #nextReceipt = 0;
  #nextSub = 0;

  /** Opens the first connection (its failure rejects, without retrying). */
  static async start(open: Opener, opts: ResolvedReconnect): Promise<ReconnectingSession> {
    return new ReconnectingSession(open, opts, await open(true));
  }

  private constructor(open: Opener, opts: ResolvedReconnect, first: NativeSession) {
    this.#open = open;
    this.#opts = opts;
    this.#last = first;
    this.closed = new Promise((resolve) => { this.#settleClosed = resolve; });
    this.#adopt(first);
  }

  get profile(): BrokerProfile {
    return this.#last.profile;
  }

  get connected(): Readonly<FrameHeaders> {
    return this.#last.connected;
  }

  get textOnly(): boolean {
    return this.#last.textOnly;
  }

  send(destination: string, body: Uint8Array | string, headers?: SendHeaders, options?: SendOptions): Promise<void> {
    if (this.#ended) return Promise.reject(closedError());
    if (options?.receipt === false || options?.transaction !== undefined) return this.#sendOnce(destination, body, headers, options);
    const receiptId = `w${++this.#nextReceipt}`;
    const frame = encodeFrameWith((n) => this.#frames.alloc(n), 'SEND', { ...headers, destination, receipt: receiptId }, body);
    return new Promise<void>((resolve, reject) => {
      const u: Unfinished = { frame, receiptId, signal: options?.signal, generation: 0, resolve, reject };
      this.#unfinished.push(u);
      u.signal?.addEventListener('abort', () => this.#settle(u, abortError(u.signal, 'send')), { once: true });
      if (this.#inner) this.#dispatch(u, this.#inner);
    });
  }

  /** Receipt-less and transactional sends are not kept: they fail with the connection. */
  async #sendOnce(destination: string, body: Uint8Array | string, headers?: SendHeaders, options?: SendOptions): Promise<void> {
    const inner = this.#current();
    if (options?.transaction !== undefined) this.#checkTransaction(options.transaction);
    await inner.send(destination, body, headers, options);
  }

  #dispatch(u: Unfinished, inner: NativeSession): void {
    const generation = (u.generation = this.#generation);
    inner.transmitEncoded(u.frame, u.receiptId, u.signal).then(
      () => this.#settle(u, undefined),
      (err: unknown) => {
        if (!isRecoverable(err) || this.#ended) return this.#settle(u, err);
        // Kept for the next connection; if that one is already up, go now.
        if (this.#inner && this.#generation !== generation && u.generation === generation) this.#dispatch(u, this.#inner);
      },
    );
  }

  /** Removes a kept send and settles it (once). */
  #settle(u: Unfinished, err: unknown): void {
    const i = this.#unfinished.indexOf(u);
    if (i < 0) return;
    this.#unfinished.splice(i, 1);
    if (err === undefined) this.#frames.release(u.frame); // receipted: the broker has every byte
    if (err === undefined) u.resolve();
    else u.reject(err);
  }

  async ready(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const inner = this.#inner ?? await this.#connection(signal);
      try {
        return await inner.ready(signal);
      } catch (err) {
        if (!isRecoverable(err) || this.#ended) throw err;
      }
    }
  }

  /** Resolves with the next connection; rejects when the session ends or `signal` aborts. */
  #connection(signal?: AbortSignal): Promise<NativeSession> {
    if (this.#ended) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(abortError(signal, 'send'));
    return new Promise<NativeSession>((resolve, reject) => {
      const w: Waiter = { resolve, reject };
      this.#waiters.push(w);
      signal?.addEventListener('abort', () => {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        reject(abortError(signal, 'send'));
      }, { once: true });
    });
  }

  subscribe(destination: string, onMessage: (message: StompMessage) => void, options?: SubscribeOptions): Subscription {
    if (this.#ended) throw closedError();
    const sub: ResilientSubscription = new ResilientSubscription(`rsub-${++this.#nextSub}`, destination, onMessage, options ?? {}, () => this.#unsubscribe(sub));
    this.#subs.add(sub);
    if (this.#inner) this.#attach(sub, this.#inner);
    return sub;
  }

  #attach(sub: ResilientSubscription, inner: NativeSession): void {
    const generation = this.#generation;
    const { resubscribe: _r, onResubscribe: _o, ...options } = sub.options;
    const renewed = sub.generation > 0;
    sub.inner = inner.subscribe(sub.destination, (m) => this.#deliver(sub, m, generation), options);
    sub.generation = generation;
    if (renewed) sub.options.onResubscribe?.();
  }

  #deliver(sub: ResilientSubscription, m: StompMessage, generation: number): void {
    const message: StompMessage = { ...m, subscription: sub };
    this.#generationOf.set(message, generation);
    sub.onMessage(message);
  }

  async #unsubscribe(sub: ResilientSubscription): Promise<void> {
    if (!this.#subs.delete(sub)) return;
    try {
      if (this.#inner && sub.generation === this.#generation) await sub.inner?.unsubscribe();
    } catch (err) {
      if (!isRecoverable(err)) throw err; // a lost connection took the subscription with it
    } finally {
      sub.end(undefined);
    }
  }

  ack(message: StompMessage, options?: AckOptions): Promise<void> {
    return this.#acknowledge('ack', message, options);
  }

  nack(message: StompMessage, options?: AckOptions): Promise<void> {
    return this.#acknowledge('nack', message, options);
  }

  /** An (N)ACK of a message from an earlier connection is moot: the broker took it back. */
  async #acknowledge(kind: 'ack' | 'nack', message: StompMessage, options?: AckOptions): Promise<void> {
    const generation = this.#generationOf.get(message);
    const inner = this.#inner;
    if (this.#ended) throw closedError();
    if (!inner || (generation !== undefined && generation !== this.#generation)) return;
    if (options?.transaction !== undefined) this.#checkTransaction(options.transaction);
    try {
      await inner[kind](message, options);
    } catch (err) {
      if (!isRecoverable(err)) throw err;
    }
  }

  async begin(): Promise<Transaction> {
    const tx = await this.#current().begin();
    this.#transactions.set(tx.id, this.#generation);
    const end = async (how: 'commit' | 'abort') => {
      this.#checkTransaction(tx.id);
      this.#transactions.delete(tx.id);
      await tx[how]();
    };
    return { id: tx.id, commit: () => end('commit'), abort: () => end('abort') };
  }

  #checkTransaction(id: string): void {
    const generation = this.#transactions.get(id);
    if (generation !== undefined && generation !== this.#generation) {
      throw new ConnectionError(ErrorCode.ConnectionLost, `transaction ${id} was lost with its connection (the broker rolled it back)`);
    }
  }

  /** The live connection, or a ConnectionError while reconnecting. */
  #current(): NativeSession {
    if (this.#ended) throw closedError();
    if (!this.#inner) throw new ConnectionError(ErrorCode.ConnectionLost, 'the connection is lost; reconnecting');
    return this.#inner;
  }

  async disconnect(): Promise<void> {
    if (this.#ended) return;
    const inner = this.#inner;
    this.#end(undefined);
    await inner?.disconnect();
  }

  destroy(): void {
    if (this.#ended) return;
    const inner = this.#inner;
    this.#end(new ConnectionError(ErrorCode.SessionClosed, 'session destroyed'));
    inner?.destroy();
  }

  stats(): SessionStats {
    const s = (this.#inner ?? this.#last).stats();
    return { ...s, unreceipted: this.#unfinished.length, reconnects: this.#reconnects };
  }

  /** Takes a new connection into use: subscriptions renewed, kept sends sent again in order. */
  #adopt(inner: NativeSession): void {
    this.#inner = inner;
    this.#last = inner;
    const generation = ++this.#generation;
    void inner.closed.then((err) => this.#onInnerClosed(generation, err));
    for (const sub of this.#subs) this.#attach(sub, inner);
    for (const u of [...this.#unfinished]) this.#dispatch(u, inner);
    for (const w of this.#waiters.splice(0)) w.resolve(inner);
  }

  #onInnerClosed(generation: number, err: Error | undefined): void {
    if (this.#ended || generation !== this.#generation) return;
    if (!isRecoverable(err)) return this.#end(err);
    this.#inner = undefined;
    this.#endAttached(err as Error);
    void this.#reconnect(err as Error);
  }

  /** Subscriptions made with `resubscribe: false` end with the connection they were on. */
  #endAttached(cause: Error): void {
    for (const sub of this.#subs) {
      if (sub.options.resubscribe !== false || sub.generation === 0) continue;
      this.#subs.delete(sub);
      sub.end(new ConnectionError(ErrorCode.ConnectionLost, `subscription to ${sub.destination} lost with the connection`, { cause }));
    }
  }

  async #reconnect(cause: Error): Promise<void> {
    const started = Date.now();
    let last: unknown = cause;
    for (let attempt = 1; !this.#ended; attempt++) {
      if (Date.now() - started >= this.#opts.timeout) {
        return this.#end(new ConnectionError(ErrorCode.ConnectionLost,
          `connection lost and not re-established within ${this.#opts.timeout} ms (${attempt - 1} attempts)`, { cause: last }));
      }
      await this.#pause(backoffDelay(attempt, this.#opts));
      if (this.#ended) return;
      try {
        const inner = await this.#open(false);
        if (this.#ended) return inner.destroy();
        this.#reconnects++;
        return this.#adopt(inner);
      } catch (err) {
        last = err; // refused, timed out, or the broker is still starting: try again
      }
    }
  }

  #pause(ms: number): Promise<void> {
    const ac = (this.#sleep = new AbortController());
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      ac.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }

  #end(err: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#inner = undefined;
    this.#sleep?.abort();
    const reason = err ?? closedError();
    for (const u of this.#unfinished.splice(0)) u.reject(reason);
    for (const w of this.#waiters.splice(0)) w.reject(reason);
    for (const sub of this.#subs) sub.end(err);
    this.#subs.clear();
    this.#settleClosed(err);
  }
}

/** A lost socket or a silent peer: worth reconnecting. */
function isRecoverable(err: unknown): boolean {
  return err instanceof ConnectionError && (err.code === ErrorCode.ConnectionLost || err.code === ErrorCode.HeartbeatTimeout);
}

function closedError(): ConnectionError {
  return new ConnectionError(ErrorCode.SessionClosed, 'session is closed');
}

/** The subscription handed to the application; its inner subscription changes per connection. */
class ResilientSubscription implements Subscription {
  readonly id: string;
  readonly destination: string;
  readonly closed: Promise<Error | undefined>;
  readonly onMessage: (message: StompMessage) => void;
  readonly options: SubscribeOptions;
  inner: Subscription | undefined;
  /** Connection generation it is attached to (0: not yet). */
  generation = 0;
  #unsubscribe: () => Promise<void>;
  #settle!: (err: Error | undefined) => void;

  constructor(id: string, destination: string, onMessage: (m: StompMessage) => void, options: SubscribeOptions, unsubscribe: () => Promise<void>) {
    this.id = id;
    this.destination = destination;
    this.onMessage = onMessage;
    this.options = options;
    this.#unsubscribe = unsubscribe;
    this.closed = new Promise((resolve) => { this.#settle = resolve; });
  }

  unsubscribe(): Promise<void> {
    return this.#unsubscribe();
  }

  end(err: Error | undefined): void {
    this.#settle(err);
  }
}
