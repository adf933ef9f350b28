import { describe, expect, it } from 'vitest';
import {
  decodeAnnouncement, decodeFragment, encodeAnnouncement, announceHeaders, dataHeaders, endHeaders,
  decodeAbortReason, encodeAbortReason, type Announcement,
} from '../../src/stream/fragment-codec.js';
import { CHAIN_START, FragmentHasher } from '../../src/stream/stream-hash.js';
import { IntegrityError } from '../../src/errors.js';

/** Headers as they come off the wire: all strings, null prototype. */
function wire(h: Record<string, unknown>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = String(v);
  return out;
}

const ID = '0123456789abcdef0123456789abcdef';
const HASH = '138e26c65048ce29';

function protocolMessage(fn: () => unknown): string {
  try { fn(); } catch (e) {
    expect(e).toBeInstanceOf(IntegrityError);
    expect((e as IntegrityError).code).toBe('ERR_PROTOCOL');
    return (e as Error).message;
  }
  throw new Error('did not throw');
}

describe('decodeFragment', () => {
  it('decodes what the encoders write', () => {
    const d = decodeFragment(wire(dataHeaders(ID, 3, 3072, HASH, CHAIN_START, 'binary')), ID, 'xxh64', 0);
    expect(d).toEqual({ type: 'data', seq: 3, offset: 3072, hash: HASH, chain: CHAIN_START, encoding: 'binary' });
    const e = decodeFragment(wire(endHeaders(ID, 4, 4096, CHAIN_START)), ID, 'xxh64', 0);
    expect(e).toEqual({ type: 'end', seq: 4, length: 4096, chain: CHAIN_START, sha256: undefined });
  });

  it.each([
    ['a foreign stream id', { 'ss-id': 'other' }, /foreign stream/],
    ['a missing version', { 'ss-v': undefined }, /ss-v/],
    ['a future version', { 'ss-v': '2' }, /ss-v/],
    ['an unknown type', { 'ss-type': 'evil' }, /unknown ss-type/],
    ['a negative seq', { 'ss-seq': '-1' }, /ss-seq/],
    ['a seq with a plus sign', { 'ss-seq': '+1' }, /ss-seq/],
    ['a seq in exponent form', { 'ss-seq': '1e3' }, /ss-seq/],
    ['a huge offset', { 'ss-offset': '99999999999999999999' }, /ss-offset/],
    ['an offset beyond 2^53', { 'ss-offset': '9007199254740993' }, /ss-offset/],
    ['a leading-zero offset', { 'ss-offset': '01' }, /ss-offset/],
    ['a short hash', { 'ss-hash': 'abc' }, /ss-hash/],
    ['an upper-case hash', { 'ss-hash': HASH.toUpperCase() }, /ss-hash/],
    ['a missing chain', { 'ss-chain': undefined }, /ss-chain/],
    ['an unknown encoding', { 'ss-encoding': 'rot13' }, /ss-encoding/],
  ])('rejects %s with ERR_PROTOCOL naming the header', (_name, patch, re) => {
    const h = wire({ ...dataHeaders(ID, 0, 0, HASH, CHAIN_START, 'binary'), ...patch });
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete h[k];
    expect(protocolMessage(() => decodeFragment(h, ID, 'xxh64', 0))).toMatch(re);
  });
});

const announcement: Announcement = {
  id: ID, fragments: `/queue/x.ss.${ID}`, name: 'a "file"\n:name.bin', contentType: 'application/octet-stream', size: 10,
  metadata: { 'key:with:colons': 'value\nwith\nnewlines', __proto__x: 'ok' }, created: 1, chunkSize: 1024, hash: 'xxh64',
  encoding: 'binary', delivery: 'live', ttl: 60000, queueHeaders: { 'x-expires': '60000' },
};

describe('announcements', () => {
  it('round-trip arbitrary strings through the JSON body', () => {
    const a = decodeAnnouncement(wire(announceHeaders(ID)), encodeAnnouncement(announcement));
    expect({ ...a, metadata: { ...a.metadata }, queueHeaders: { ...a.queueHeaders } }).toEqual(announcement);
    expect(Object.getPrototypeOf(a.metadata)).toBeNull();
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{')],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
    ['an array', new TextEncoder().encode('[]')],
    ['a bad id', encodeAnnouncement({ ...announcement, id: '../../etc' })],
    ['a relative fragments destination', encodeAnnouncement({ ...announcement, fragments: 'queue/x' })],
    ['a negative size', encodeAnnouncement({ ...announcement, size: -1 })],
    ['an unknown hash', encodeAnnouncement({ ...announcement, hash: 'md5' as never })],
    ['non-string metadata', encodeAnnouncement({ ...announcement, metadata: { a: 1 as never } })],
    ['an oversized body', new Uint8Array(300 * 1024)],
  ])('reject %s', (_name, body) => {
    const h = wire(announceHeaders(ID));
    expect(() => decodeAnnouncement(h, body)).toThrow(IntegrityError);
  });

  it('rejects an announcement whose body id differs from the header', () => {
    expect(protocolMessage(() => decodeAnnouncement(wire(announceHeaders('zz')), encodeAnnouncement(announcement)))).toMatch(/differs/);
  });
});

describe('abort reasons', () => {
  it('carry name, message and code', () => {
    const err = Object.assign(new TypeError('disk full'), { code: 'ENOSPC' });
    const back = decodeAbortReason(encodeAbortReason(err)) as Error & { code?: string };
    expect([back.name, back.message, back.code]).toEqual(['TypeError', 'disk full', 'ENOSPC']);
    expect(decodeAbortReason(encodeAbortReason('plain')).message).toBe('plain');
  });

  it('survive hostile bodies', () => {
    expect(decodeAbortReason(new Uint8Array([0xff, 0x00])).message).toBe('aborted by the producer');
  });
});

describe('protocol test vectors (docs/protocol.md)', () => {
  it('reproduce the documented fragment hashes and chain', async () => {
    const h = await FragmentHasher.create('xxh64');
    expect(h.hash(new TextEncoder().encode('abc'))).toBe('44bc2cf5ad770999'); // published XXH64("abc")
    const content = new Uint8Array(2560).map((_, i) => i % 251);
    const hashes = [0, 1, 2].map((s) => h.hash(content.subarray(s * 1024, s * 1024 + 1024)));
    expect(hashes).toEqual(['138e26c65048ce29', '3a564763e2e9359e', '652b3c903fe4bf80']);
    let chain = CHAIN_START;
    const chains = hashes.map((x) => (chain = h.chain(chain, x)));
    expect(chains).toEqual(['2375886fc2325cf7', '181a8edd17d4277e', '8395092023969cf9']);
  });
});
