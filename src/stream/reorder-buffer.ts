/**
 * Puts a stream's fragments back in sequence order before they are verified.
 *
 * Design: one producer sends a stream's fragments in order, but a broker may dispatch them out
 * of order. ActiveMQ 5.17.2 does under memory pressure: with many streams queued and slow
 * consumers, a fresh stream's fragments arrived as 8, 3, 9, 4, 5, 6, 7, 10 (measured in the
 * many-streams kill suite, 1–13 of 160 streams in each of 5 runs). Failing those with `ERR_GAP` loses
 * streams that are intact on the broker, so the consumer holds fragments that arrive ahead of
 * the next expected one and hands them to the verifier once the missing ones are in.
 *
 * Bounds: held fragments are unacknowledged, so they use the subscription's prefetch credit.
 * With `capacity` (= the prefetch) of them held the broker can send nothing more, the missing
 * fragment can never arrive, and it is a gap; the caller also gives up after a short wait.
 * Memory stays within the consumer window. Nothing is verified, delivered or acknowledged out
 * of order: this class only holds and hands back.
 * @module
 */

/** What {@link ReorderBuffer.hold} did. @internal */
export type HoldResult<T> =
  | { kind: 'held' }
  | { kind: 'full' }
  | { kind: 'again'; held: T };

/** Fragments that arrived ahead of their turn, by sequence number. @internal */
export class ReorderBuffer<T> {
  readonly capacity: number;
  #ahead = new Map<number, T>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** How many fragments are held. */
  get size(): number {
    return this.#ahead.size;
  }

  /** The lowest sequence number held, if any (for error messages). */
  lowest(): number | undefined {
    let low: number | undefined;
    for (const seq of this.#ahead.keys()) if (low === undefined || seq < low) low = seq;
    return low;
  }

  /**
   * Holds `item` for sequence number `seq`. `again`: a fragment with that number is held
   * already (the caller compares them); `full`: `capacity` are held, nothing more can arrive.
   */
  hold(seq: number, item: T): HoldResult<T> {
    const held = this.#ahead.get(seq);
    if (held !== undefined) return { kind: 'again', held };
    if (this.#ahead.size >= this.capacity) return { kind: 'full' };
    this.#ahead.set(seq, item);
    return { kind: 'held' };
  }

  /** Removes and returns the fragment held for `seq`, if any. */
  take(seq: number): T | undefined {
    const item = this.#ahead.get(seq);
    if (item !== undefined) this.#ahead.delete(seq);
    return item;
  }

  /** Removes and returns everything held, in sequence order (a drained stream acknowledges them). */
  clear(): T[] {
    const items = [...this.#ahead.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
    this.#ahead.clear();
    return items;
  }
}
