/**
 * The real text-only endpoint (RabbitMQ Web-STOMP with ws_frame = text): streams travel as
 * base64 and arrive byte-exact.
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/index.js';
import { collect, firstDifference, randomBytes, textOnlyEndpoint as ep, uniqueQueue } from '../support/endpoints.js';

describe('text-only WebSocket endpoint', () => {
  it('round-trips binary streams byte-exact through base64 fragments (bytes 0–255, NUL included)', async () => {
    const producer = await connect(ep.url, ep.options);
    const consumer = await connect(ep.url, ep.options);
    try {
      for (const n of [0, 1, 1000, 300_000]) {
        const q = uniqueQueue('text');
        const data = randomBytes(n, n + 1);
        if (n >= 256) data.set(Uint8Array.from({ length: 256 }, (_, i) => i), 0);
        const receiving = consumer.receive(q);
        const receipt = await producer.send(q, data, { name: `t${n}`, chunkSize: 64 * 1024 });
        const incoming = await receiving;
        expect(firstDifference(await collect(incoming.readable), data)).toBe(-1);
        expect((await incoming.result).chain).toBe(receipt.chain);
      }
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  it('refuses binary bodies on a text-only session instead of mangling them', async () => {
    const s = await connect(ep.url, ep.options);
    try {
      expect(() => s.writable('/queue/x', { encoding: 'binary' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'encoding' }));
      await expect(s.stomp.send('/queue/x', new Uint8Array([0xff, 0xfe]))).rejects.toMatchObject({ code: 'ERR_FRAME_MALFORMED' });
    } finally {
      await s.close();
    }
  });

  it('detects a text-only endpoint by itself: a client that did not say textOnly gets base64 streams and refusals, not corrupt data', async () => {
    const plain = { login: 'guest', passcode: 'guest' }; // no textOnly option
    const producer = await connect(ep.url, plain);
    const consumer = await connect(ep.url, plain);
    try {
      expect(producer.stomp.textOnly).toBe(true);
      const q = uniqueQueue('text-detect');
      const data = randomBytes(100_000, 9);
      data.set(Uint8Array.from({ length: 256 }, (_, i) => i), 0);
      const receiving = consumer.receive(q);
      await producer.send(q, data, { chunkSize: 16 * 1024 });
      expect(firstDifference(await collect((await receiving).readable), data)).toBe(-1);
      // A plain binary attempt through the same endpoint: a clear, typed refusal.
      expect(() => producer.writable('/queue/x', { encoding: 'binary' })).toThrow(expect.objectContaining({ field: 'encoding' }));
      await expect(producer.stomp.send('/queue/x', new Uint8Array([0, 0xff, 0x80]))).rejects.toMatchObject({ code: 'ERR_FRAME_MALFORMED' });
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  it('does not take a binary endpoint for text-only', async () => {
    const s = await connect('ws://127.0.0.1:15674/ws', { login: 'guest', passcode: 'guest' });
    try {
      expect(s.stomp.textOnly).toBe(false);
    } finally {
      await s.close();
    }
  });
});
