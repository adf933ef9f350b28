/**
 * Corrupted streams, written fragment by fragment with a raw STOMP session, must each end in
 * their typed error — with nothing past the last verified byte handed to the application.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect, openStompSession, type SendHeaders, type StompSession, type StreamSession,
} from '../../src/index.js';
import {
  announceHeaders, dataHeaders, encodeAnnouncement, endHeaders, newStreamId, type Announcement,
} from '../../src/stream/fragment-codec.js';
import { CHAIN_START, FragmentHasher } from '../../src/stream/stream-hash.js';
import { endpoints, randomBytes, uniqueQueue } from '../support/endpoints.js';

type Mutation = 'none' | 'wrong-hash' | 'skip' | 'conflicting-duplicate' | 'identical-duplicate' | 'foreign-id' | 'bad-header' | 'wrong-end-length' | 'reordered';

const PART = 1024;
const parts = [randomBytes(PART, 1), randomBytes(PART, 2), randomBytes(PART, 3)];

/** Sends announcement + fragments + end as a (possibly hostile) producer would. */
async function rawStream(raw: StompSession, q: string, mutation: Mutation): Promise<void> {
  const h = await FragmentHasher.create('xxh64');
  const id = newStreamId();
  const frag = `${q}.ss.${id}`;
  const p = raw.profile;
  const broker = (): SendHeaders => ({ ...p.persistentHeaders, ...p.fragmentQueueHeaders(600_000) });
  const a: Announcement = {
    id, fragments: frag, name: mutation, metadata: {}, created: Date.now(), chunkSize: PART, hash: 'xxh64',
    encoding: 'binary', delivery: 'complete', ttl: 600_000, queueHeaders: p.fragmentQueueHeaders(600_000),
  };
  let chain = CHAIN_START;
  let offset = 0;
  // 'reordered' holds fragment 0 back until after fragment 2, and fragment 1 until after the
  // end marker, as ActiveMQ 5.17.2 dispatches under memory pressure.
  const held: (() => Promise<void>)[] = [];
  const sendData = (seq: number, body: Uint8Array, patch: SendHeaders = {}) => {
    const headers = { ...dataHeaders(id, seq, offset, h.hash(body), chain, 'binary'), ...broker(), ...patch };
    const send = () => raw.send(frag, body, headers);
    if (mutation === 'reordered' && seq < 2) { held.push(send); return Promise.resolve(); }
    return send();
  };
  for (let seq = 0; seq < parts.length; seq++) {
    const body = parts[seq] as Uint8Array;
    if (seq === 1 && mutation === 'skip') { chain = h.chain(chain, h.hash(body)); offset += PART; continue; }
    if (seq === 1 && mutation === 'wrong-hash') await sendData(seq, body, { 'ss-hash': h.hash(randomBytes(PART, 99)) });
    else if (seq === 1 && mutation === 'foreign-id') await sendData(seq, body, { 'ss-id': newStreamId() });
    else if (seq === 1 && mutation === 'bad-header') await sendData(seq, body, { 'ss-offset': '1e400' });
    else await sendData(seq, body);
    if (seq === 2 && mutation === 'reordered') await (held.shift() as () => Promise<void>)();
    if (seq === 1 && mutation === 'identical-duplicate') await sendData(seq, body);
    chain = h.chain(chain, h.hash(body));
    offset += PART;
    if (seq === 1 && mutation === 'conflicting-duplicate') {
      const other = randomBytes(PART, 77);
      await raw.send(frag, other, { ...dataHeaders(id, 1, PART, h.hash(other), chain, 'binary'), ...broker() });
    }
  }
  const length = mutation === 'wrong-end-length' ? offset + 1 : offset;
  await raw.send(frag, new Uint8Array(0), { ...endHeaders(id, parts.length, length, chain), ...broker() });
  for (const send of held) await send();
  await raw.send(q, encodeAnnouncement(a), { ...announceHeaders(id), ...p.persistentHeaders });
}

describe.each(endpoints.filter((e) => e.transport === 'tcp'))('corrupted streams over $name', (ep) => {
  let raw: StompSession;
  let consumer: StreamSession;
  beforeAll(async () => {
    raw = await openStompSession(ep.url, ep.options);
    consumer = await connect(ep.url, ep.options);
  });
  afterAll(async () => {
    await raw?.disconnect();
    await consumer?.close();
  });

  /** Reads until the stream ends or fails; returns delivered bytes and the error. */
  async function consume(q: string) {
    const incoming = await consumer.receive(q);
    const reader = incoming.readable.getReader();
    let delivered = 0;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) return { delivered, error: undefined as unknown, incoming };
        delivered += r.value.byteLength;
      }
    } catch (error) {
      return { delivered, error, incoming };
    }
  }

  it('accepts the untouched stream (so the failures below are caused by the mutations)', async () => {
    const q = uniqueQueue('raw-ok');
    await rawStream(raw, q, 'none');
    const r = await consume(q);
    expect(r.error).toBeUndefined();
    expect(r.delivered).toBe(3 * PART);
  });

  it.each([
    ['wrong-hash', 'ERR_HASH_MISMATCH', PART],
    ['skip', 'ERR_GAP', PART],
    ['conflicting-duplicate', 'ERR_SEQUENCE', 2 * PART],
    ['foreign-id', 'ERR_PROTOCOL', PART],
    ['bad-header', 'ERR_PROTOCOL', PART],
    ['wrong-end-length', 'ERR_GAP', 3 * PART],
  ] as const)('%s → %s, nothing past the last verified byte delivered', async (mutation, code, verified) => {
    const q = uniqueQueue(`raw-${mutation}`);
    await rawStream(raw, q, mutation);
    const r = await consume(q);
    expect(r.error).toMatchObject({ code, offset: verified });
    expect(r.delivered).toBeLessThanOrEqual(verified);
    await expect(r.incoming.result).rejects.toMatchObject({ code });
  });

  it('drops an identical duplicate and delivers the stream once', async () => {
    const q = uniqueQueue('raw-dup');
    await rawStream(raw, q, 'identical-duplicate');
    const r = await consume(q);
    expect(r.error).toBeUndefined();
    expect(r.delivered).toBe(3 * PART);
    expect((await r.incoming.result).duplicates).toBe(1);
  });

  it('puts fragments dispatched out of order back in order (2, 0, end, 1) and delivers the stream intact', async () => {
    const q = uniqueQueue('raw-reordered');
    await rawStream(raw, q, 'reordered');
    const r = await consume(q);
    expect(r.error).toBeUndefined();
    expect(r.delivered).toBe(3 * PART);
    await expect(r.incoming.result).resolves.toMatchObject({ length: 3 * PART, duplicates: 0 });
    expect(r.incoming.stats().reordered).toBe(2); // fragment 2 and the end marker waited for their turn
  });

  it('moves on to the next stream after a corrupted one', async () => {
    const q = uniqueQueue('raw-next');
    await rawStream(raw, q, 'wrong-hash');
    await rawStream(raw, q, 'none');
    const it = consumer.streams(q);
    const bad = (await it.next()).value!;
    await expect(new Response(bad.readable).arrayBuffer()).rejects.toMatchObject({ code: 'ERR_HASH_MISMATCH' });
    const good = (await it.next()).value!;
    expect(good.info.name).toBe('none');
    expect((await new Response(good.readable).arrayBuffer()).byteLength).toBe(3 * PART);
    await it.return?.();
  });
});
