import { describe, expect, it, beforeAll } from 'vitest';
import { StreamVerifier } from '../../src/stream/stream-verifier.js';
import { CHAIN_START, FragmentHasher } from '../../src/stream/stream-hash.js';
import type { DataFragment, EndFragment } from '../../src/stream/fragment-codec.js';
import { IntegrityError } from '../../src/errors.js';

let hasher: FragmentHasher;
beforeAll(async () => { hasher = await FragmentHasher.create('xxh64'); });

/** Builds the data fragments and end marker a correct producer would send. */
function stream(parts: Uint8Array[]): { frags: [DataFragment, Uint8Array][]; end: EndFragment } {
  let chain = CHAIN_START;
  let offset = 0;
  const frags: [DataFragment, Uint8Array][] = parts.map((body, seq) => {
    const hash = hasher.hash(body);
    const f: DataFragment = { type: 'data', seq, offset, hash, chain, encoding: 'binary' };
    chain = hasher.chain(chain, hash);
    offset += body.length;
    return [f, body];
  });
  return { frags, end: { type: 'end', seq: parts.length, length: offset, chain, sha256: undefined } };
}

const parts = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5]), new Uint8Array([6])];

function code(fn: () => unknown): string {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(IntegrityError); return (e as IntegrityError).code; }
  throw new Error('did not throw');
}

describe('StreamVerifier', () => {
  it('accepts a correct stream and its end marker', () => {
    const { frags, end } = stream(parts);
    const v = new StreamVerifier(hasher, 16, 6, false);
    const out = frags.map(([f, b]) => v.accept(f, b));
    expect(out.map((o) => o.kind)).toEqual(['data', 'data', 'data']);
    expect(v.accept(end, new Uint8Array(0)).kind).toBe('end');
    expect(v.offset).toBe(6);
  });

  it('rejects a body whose hash does not match', () => {
    const { frags } = stream(parts);
    const v = new StreamVerifier(hasher, 16, undefined, false);
    expect(code(() => v.accept(frags[0]![0], new Uint8Array([1, 2, 9])))).toBe('ERR_HASH_MISMATCH');
  });

  it('reports a skipped fragment as a gap', () => {
    const { frags } = stream(parts);
    const v = new StreamVerifier(hasher, 16, undefined, false);
    v.accept(...frags[0]!);
    expect(code(() => v.accept(...frags[2]!))).toBe('ERR_GAP');
  });

  it('drops an identical duplicate and rejects a conflicting one', () => {
    const { frags } = stream(parts);
    const v = new StreamVerifier(hasher, 16, undefined, false);
    v.accept(...frags[0]!);
    v.accept(...frags[1]!);
    expect(v.accept(...frags[0]!).kind).toBe('duplicate');
    const forged: DataFragment = { ...frags[0]![0], hash: hasher.hash(new Uint8Array([7])) };
    expect(code(() => v.accept(forged, new Uint8Array([7])))).toBe('ERR_SEQUENCE');
  });

  it('drops a fragment from before its resume point unread (re-sent after a broker restart)', () => {
    const { frags } = stream(parts);
    const v = new StreamVerifier(hasher, 16, undefined, true);
    v.accept(...frags[1]!); // resumed at fragment 1
    expect(v.accept(...frags[0]!).kind).toBe('duplicate');
    const forged: DataFragment = { ...frags[0]![0], hash: hasher.hash(new Uint8Array([7])) };
    expect(v.accept(forged, new Uint8Array([7])).kind).toBe('duplicate'); // never delivered, so harmless
    expect(v.accept(...frags[2]!).kind).toBe('data');
  });

  it('refuses to start mid-stream unless resuming a redelivered stream', () => {
    const { frags, end } = stream(parts);
    expect(code(() => new StreamVerifier(hasher, 16, undefined, false).accept(...frags[1]!))).toBe('ERR_GAP');
    const v = new StreamVerifier(hasher, 16, undefined, true);
    expect(v.accept(...frags[1]!).kind).toBe('data');
    expect(v.startOffset).toBe(3);
    v.accept(...frags[2]!);
    expect(v.accept(end, new Uint8Array(0)).kind).toBe('end');
  });

  it('catches a resumed stream whose later fragments were swapped (chain mismatch)', () => {
    const { frags } = stream(parts);
    const other = stream([new Uint8Array([1, 2, 3]), new Uint8Array([4, 4]), new Uint8Array([6])]);
    const v = new StreamVerifier(hasher, 16, undefined, true);
    v.accept(...frags[1]!);
    expect(code(() => v.accept(...other.frags[2]!))).toBe('ERR_HASH_MISMATCH');
  });

  it('rejects an end marker with a wrong length, chain or announced size', () => {
    const { frags, end } = stream(parts);
    const run = (e: EndFragment, size?: number) => {
      const v = new StreamVerifier(hasher, 16, size, false);
      for (const f of frags) v.accept(...f);
      return code(() => v.accept(e, new Uint8Array(0)));
    };
    expect(run({ ...end, length: 7 })).toBe('ERR_GAP');
    expect(run({ ...end, chain: 'ffffffffffffffff' })).toBe('ERR_HASH_MISMATCH');
    expect(run(end, 5)).toBe('ERR_PROTOCOL');
  });

  it('rejects fragments over the chunk size and wrong offsets', () => {
    const { frags } = stream(parts);
    expect(code(() => new StreamVerifier(hasher, 2, undefined, false).accept(...frags[0]!))).toBe('ERR_PROTOCOL');
    const v = new StreamVerifier(hasher, 16, undefined, false);
    v.accept(...frags[0]!);
    expect(code(() => v.accept({ ...frags[1]![0], offset: 99 }, frags[1]![1]))).toBe('ERR_SEQUENCE');
  });
});
