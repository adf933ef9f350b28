/**
 * The producer's messages, read raw off a real broker, match the vectors in docs/protocol.md.
 */
import { describe, expect, it } from 'vitest';
import { connect, openStompSession, type StompMessage } from '../../src/index.js';
import { endpoints, uniqueQueue } from '../support/endpoints.js';

const content = new Uint8Array(2560).map((_, i) => i % 251);

describe.each(endpoints.filter((e) => e.transport === 'tcp'))('protocol vectors on $name', (ep) => {
  it('producer output equals the documented fragments, end marker and announcement', async () => {
    const q = uniqueQueue('vectors');
    const producer = await connect(ep.url, ep.options);
    const raw = await openStompSession(ep.url, ep.options);
    try {
      const receipt = await producer.send(q, content, { chunkSize: 1024, delivery: 'complete', digest: 'sha256', name: 'vector' });
      const got: StompMessage[] = [];
      const all = new Promise<void>((resolve) => {
        raw.subscribe(`${q}.ss.${receipt.id}`, (m) => {
          got.push(m);
          void raw.ack(m);
          if (got.length === 4) resolve();
        }, { prefetch: 10, headers: raw.profile.fragmentQueueHeaders(86_400_000) });
      });
      await all;
      const pick = (m: StompMessage) => ({
        type: m.headers['ss-type'], seq: m.headers['ss-seq'], offset: m.headers['ss-offset'],
        hash: m.headers['ss-hash'], chain: m.headers['ss-chain'], length: m.headers['ss-length'],
      });
      expect(got.map(pick)).toEqual([
        { type: 'data', seq: '0', offset: '0', hash: '138e26c65048ce29', chain: '0000000000000000', length: undefined },
        { type: 'data', seq: '1', offset: '1024', hash: '3a564763e2e9359e', chain: '2375886fc2325cf7', length: undefined },
        { type: 'data', seq: '2', offset: '2048', hash: '652b3c903fe4bf80', chain: '181a8edd17d4277e', length: undefined },
        { type: 'end', seq: '3', offset: undefined, hash: undefined, chain: '8395092023969cf9', length: '2560' },
      ]);
      expect(got.slice(0, 3).map((m) => m.body.byteLength)).toEqual([1024, 1024, 512]);
      expect(Array.from(got[2]!.body.subarray(0, 3))).toEqual([2048 % 251, 2049 % 251, 2050 % 251]);
      expect(got[3]!.headers['ss-sha256']).toBe('72f9e8ade88b17fa2205be70f484f10a7b7a6ab6934076fc49e826238e44dbbe');
      expect(got.every((m) => m.headers['ss-v'] === '1' && m.headers['ss-id'] === receipt.id)).toBe(true);

      const ann = await new Promise<StompMessage>((resolve) => {
        raw.subscribe(q, (m) => { void raw.ack(m); resolve(m); }, { prefetch: 1 });
      });
      expect(ann.headers['ss-type']).toBe('announce');
      const json = JSON.parse(new TextDecoder().decode(ann.body));
      expect(json).toMatchObject({ v: 1, id: receipt.id, fragments: `${q}.ss.${receipt.id}`, name: 'vector', chunkSize: 1024, hash: 'xxh64', encoding: 'binary', delivery: 'complete' });
    } finally {
      await producer.close();
      await raw.disconnect();
    }
  });
});
