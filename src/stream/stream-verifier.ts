/**
 * Verifies the messages of one stream, in the order the broker delivers them.
 *
 * Rules (docs/protocol.md §Verification):
 * - The first message fixes the starting point. seq 0 starts at byte 0 with the chain's
 *   start value. A later seq is accepted only when the announcement was redelivered (another
 *   consumer died after acknowledging the earlier fragments) — the consumer *resumes* there,
 *   taking the chain value from that fragment's header; otherwise it is a gap error.
 * - After that every data fragment must carry exactly the next seq, the next byte offset and
 *   the running chain value, and its body must hash to its `ss-hash`.
 * - A fragment with an already-seen seq and the same hash is a harmless duplicate (brokers
 *   redeliver, ActiveMQ may store a SEND it answered with ERROR) and is dropped; with another
 *   hash it is a sequence error. A seq beyond the next one is a gap.
 * - The end marker must carry the next seq, the total length and the final chain value.
 * @module
 */
import { ErrorCode, IntegrityError } from '../errors.js';
import type { DataFragment, EndFragment, Fragment } from './fragment-codec.js';
import { CHAIN_START, type FragmentHasher } from './stream-hash.js';

/** What to do with a verified message. @internal */
export type Verdict =
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'duplicate' }
  | { kind: 'keepalive' }
  | { kind: 'end'; end: EndFragment }
  | { kind: 'abort' };

const RECENT = 256;

/** Verifies one stream. @internal */
export class StreamVerifier {
  #hasher: FragmentHasher;
  #maxChunk: number;
  #declaredSize: number | undefined;
  #allowResume: boolean;
  #started = false;
  #seq = 0;
  #offset = 0;
  #chain = CHAIN_START;
  #recent = new Map<number, string>();
  /** Byte offset where this consumer started (0, or the resume point). */
  startOffset = 0;

  constructor(hasher: FragmentHasher, maxChunk: number, declaredSize: number | undefined, allowResume: boolean) {
    this.#hasher = hasher;
    this.#maxChunk = maxChunk;
    this.#declaredSize = declaredSize;
    this.#allowResume = allowResume;
  }

  /** Offset of the next byte expected (= bytes verified so far + start offset). */
  get offset(): number {
    return this.#offset;
  }

  /** Sequence number of the next fragment expected. */
  get nextSeq(): number {
    return this.#seq;
  }

  /** True once the first data/end/abort message fixed the starting point. */
  get started(): boolean {
    return this.#started;
  }

  /** Verifies one message; `body` is the decoded fragment body. Throws {@link IntegrityError}. */
  accept(f: Fragment, body: Uint8Array): Verdict {
    if (f.type === 'keepalive') return { kind: 'keepalive' };
    if (!this.#started) this.#start(f);
    if (f.seq < this.#seq) return this.#duplicate(f, body);
    if (f.seq > this.#seq) throw this.#error(ErrorCode.Gap, `expected fragment ${this.#seq} (byte ${this.#offset}), got fragment ${f.seq}: fragments are missing`);
    if (f.type === 'abort') return { kind: 'abort' };
    if (f.type === 'end') return this.#end(f);
    return { kind: 'data', bytes: this.#data(f, body) };
  }

  #start(f: Exclude<Fragment, { type: 'keepalive' }>): void {
    this.#started = true;
    if (f.seq === 0) return;
    if (!this.#allowResume) {
      throw this.#error(ErrorCode.Gap, `stream starts at fragment ${f.seq} instead of 0: the first ${f.seq} fragments were consumed elsewhere, expired or dead-lettered`);
    }
    this.#seq = f.seq;
    if (f.type === 'data') {
      this.#offset = f.offset;
      this.#chain = f.chain;
    } else if (f.type === 'end') {
      this.#offset = f.length;
      this.#chain = f.chain;
    }
    this.startOffset = this.#offset;
  }

  /**
   * A fragment before the next expected one. Compared with what this consumer verified when it
   * can be (a different body is a sequence error); otherwise — it lies before this consumer's
   * resume point or more than the remembered window back — it is dropped unread: this consumer
   * never delivers those bytes, so they cannot alter what it hands out. (After a broker
   * restart a producer re-sends fragments the broker had already stored and a previous
   * consumer had already taken; they arrive after the resumed consumer's first fragment.)
   */
  #duplicate(f: Fragment, body: Uint8Array): Verdict {
    if (f.type !== 'data') return { kind: 'duplicate' };
    const seen = this.#recent.get(f.seq);
    if (seen === undefined) return { kind: 'duplicate' };
    if (seen === f.hash && this.#hasher.hash(body) === seen) return { kind: 'duplicate' };
    throw this.#error(ErrorCode.Sequence, `fragment ${f.seq} arrived again after fragment ${this.#seq - 1} with different content`);
  }

  #data(f: DataFragment, body: Uint8Array): Uint8Array {
    if (f.offset !== this.#offset) throw this.#error(ErrorCode.Sequence, `fragment ${f.seq} claims byte offset ${f.offset}, expected ${this.#offset}`);
    if (f.chain !== this.#chain) throw this.#error(ErrorCode.HashMismatch, `fragment ${f.seq} carries chain ${f.chain}, expected ${this.#chain}: the stream was altered before it`);
    if (body.byteLength === 0 || body.byteLength > this.#maxChunk) {
      throw this.#error(ErrorCode.Protocol, `fragment ${f.seq} has ${body.byteLength} bytes (allowed 1..${this.#maxChunk})`);
    }
    const actual = this.#hasher.hash(body);
    if (actual !== f.hash) throw this.#error(ErrorCode.HashMismatch, `fragment ${f.seq} (bytes ${this.#offset}..${this.#offset + body.byteLength}) hashes to ${actual}, header says ${f.hash}`);
    this.#chain = this.#hasher.chain(this.#chain, actual);
    this.#remember(f.seq, actual);
    this.#seq++;
    this.#offset += body.byteLength;
    return body;
  }

  #end(f: EndFragment): Verdict {
    if (f.length !== this.#offset) throw this.#error(ErrorCode.Gap, `end marker says ${f.length} bytes, received up to byte ${this.#offset}`);
    if (f.chain !== this.#chain) throw this.#error(ErrorCode.HashMismatch, `whole-stream chain ${this.#chain} differs from the end marker's ${f.chain}`);
    if (this.#declaredSize !== undefined && this.#declaredSize !== f.length) {
      throw this.#error(ErrorCode.Protocol, `announced size ${this.#declaredSize} differs from the stream's length ${f.length}`);
    }
    return { kind: 'end', end: f };
  }

  #remember(seq: number, hash: string): void {
    this.#recent.set(seq, hash);
    if (this.#recent.size > RECENT) this.#recent.delete(seq - RECENT);
  }

  #error(code: ErrorCode, message: string): IntegrityError {
    return new IntegrityError(code, message, this.#offset);
  }
}
