/**
 * Reuses the memory of large SEND frames once the broker has receipted them.
 *
 * Design: a producer encodes one frame per fragment (a 1 MiB fragment is a 1 MiB frame) and
 * keeps it until its RECEIPT, for a re-send after a reconnect. A fresh ArrayBuffer per frame
 * is memory V8 counts as external, and a producer allocating it at 200+ MiB/s set off a full
 * garbage collection every few dozen MiB (18–26 per 512 MiB against 7 for a raw session
 * whose frames die young). A receipted frame's memory is certainly no longer read by anyone —
 * the broker has all its bytes, so the transport has sent them — and the next frame of the
 * same size class is written into it instead.
 *
 * Only frames that were receipted come back; a frame whose send failed, was aborted or
 * cancelled is left to the garbage collector, since a socket may still hold it. Sizes are
 * rounded up to 64 KiB classes, so frames of one fragment size share buffers whatever their
 * headers; at most `maxFree` buffers wait in the pool.
 * @module
 */

/** Frames smaller than this are not pooled: they cost the collector little. */
const POOL_FROM = 64 * 1024;
const CLASS = 64 * 1024;

/** Buffers for encoded frames, reused after their receipt. @internal */
export class FramePool {
  readonly #maxFree: number;
  readonly #allocate: (n: number) => Uint8Array<ArrayBuffer>;
  #free = new Map<number, ArrayBuffer[]>();
  #freeCount = 0;
  #reused = 0;

  /** `allocate` makes a new buffer of exactly n bytes (uninitialised where the runtime allows). */
  constructor(allocate: (n: number) => Uint8Array<ArrayBuffer>, maxFree = 16) {
    this.#allocate = allocate;
    this.#maxFree = maxFree;
  }

  /** How many frames were written into reused memory (for tests and benchmarks). */
  get reused(): number {
    return this.#reused;
  }

  /** A byte array of exactly `n` bytes whose memory nobody else uses. */
  alloc(n: number): Uint8Array<ArrayBuffer> {
    if (n < POOL_FROM) return this.#allocate(n);
    const size = Math.ceil(n / CLASS) * CLASS;
    const buffer = this.#free.get(size)?.pop();
    if (!buffer) return new Uint8Array(this.#allocate(size).buffer, 0, n);
    this.#freeCount--;
    this.#reused++;
    return new Uint8Array(buffer, 0, n);
  }

  /** Gives a receipted frame's memory back; ignored for frames this pool would not have made. */
  release(frame: Uint8Array): void {
    const buffer = frame.buffer;
    if (!(buffer instanceof ArrayBuffer) || frame.byteOffset !== 0 || buffer.byteLength < POOL_FROM) return;
    if (buffer.byteLength % CLASS !== 0 || this.#freeCount >= this.#maxFree) return;
    let list = this.#free.get(buffer.byteLength);
    if (!list) this.#free.set(buffer.byteLength, (list = []));
    if (list.includes(buffer)) return; // released twice: keep one entry, never hand it out twice
    list.push(buffer);
    this.#freeCount++;
  }
}
