/**
 * The consumer's credit window.
 *
 * Design: the broker may deliver at most `capacity` unacknowledged fragments to a
 * subscription (prefetch = capacity). A fragment is acknowledged only when the application has
 * finished with it — it was handed out by `pull()` and the application has asked for more
 * since (or the stream ended) — so every acknowledgement is one unit of credit handed back to
 * the broker, which then sends the next fragment. The application's `read()` therefore drives
 * the broker: memory held by a consumer is bounded by `capacity × chunkSize`, and a consumer
 * that dies leaves every fragment it had not finished unacknowledged, for the next consumer.
 *
 * This class is the bookkeeping only (no I/O): what is buffered, what was handed out and so
 * must be acknowledged next, and the counters tests assert on.
 * @module
 */

/**
 * Counters of a credit window.
 *
 * @example
 * ```ts
 * const { capacity, maxHeldFragments } = incoming.stats();
 * ```
 */
export interface CreditStats {
  /** Window size (prefetch). */
  capacity: number;
  /** Verified fragments waiting for the application now. */
  bufferedFragments: number;
  /** Their bytes. */
  bufferedBytes: number;
  /** Most fragments buffered plus handed out but unacknowledged at any time. */
  maxHeldFragments: number;
  /** Most bytes buffered at any time. */
  maxBufferedBytes: number;
  /** Fragments acknowledged. */
  acknowledged: number;
}

/** Bounded queue of verified fragments plus the handed-out-but-unacknowledged set. @internal */
export class CreditWindow<T> {
  #queue: { item: T; bytes: number }[] = [];
  #head = 0;
  #handed: T[] = [];
  #stats: CreditStats;

  constructor(capacity: number) {
    this.#stats = { capacity, bufferedFragments: 0, bufferedBytes: 0, maxHeldFragments: 0, maxBufferedBytes: 0, acknowledged: 0 };
  }

  /** A verified fragment arrived. */
  push(item: T, bytes: number): void {
    this.#queue.push({ item, bytes });
    const s = this.#stats;
    s.bufferedFragments++;
    s.bufferedBytes += bytes;
    s.maxBufferedBytes = Math.max(s.maxBufferedBytes, s.bufferedBytes);
    s.maxHeldFragments = Math.max(s.maxHeldFragments, s.bufferedFragments + this.#handed.length);
  }

  /** Next fragment for the application, now counted as handed out; undefined if none. */
  next(): T | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const { item, bytes } = this.#queue[this.#head] as { item: T; bytes: number };
    this.#queue[this.#head++] = undefined as never;
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) this.#compact();
    this.#stats.bufferedFragments--;
    this.#stats.bufferedBytes -= bytes;
    this.#handed.push(item);
    return item;
  }

  /** Fragments the application has finished with: acknowledge these now. */
  finished(): T[] {
    if (this.#handed.length === 0) return [];
    const done = this.#handed;
    this.#handed = [];
    this.#stats.acknowledged += done.length;
    return done;
  }

  /** A message that is acknowledged at once without reaching the application (duplicates, keepalives). */
  countAck(): void {
    this.#stats.acknowledged++;
  }

  /** True when nothing is buffered. */
  get empty(): boolean {
    return this.#head >= this.#queue.length;
  }

  /** Counters. */
  stats(): CreditStats {
    return { ...this.#stats };
  }

  #compact(): void {
    this.#queue = this.#queue.slice(this.#head);
    this.#head = 0;
  }
}
