/**
 * Streams core against the real brokers (ActiveMQ and RabbitMQ, TCP and WebSocket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, profileFor, type StreamSession, type IncomingStream } from '../../src/index.js';
import { collect, endpoints, firstDifference, randomBytes, uniqueQueue } from '../support/endpoints.js';

const MiB = 1024 * 1024;

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

describe.each(endpoints)('streams over $name', (ep) => {
  /** The broker's default fragment size (1 MiB on RabbitMQ, 256 KiB on ActiveMQ). */
  const CS = profileFor(ep.broker).defaultChunkSize;
  let producer: StreamSession;
  let consumer: StreamSession;

  beforeAll(async () => {
    producer = await connect(ep.url, ep.options);
    consumer = await connect(ep.url, ep.options);
  });
  afterAll(async () => {
    await producer?.close();
    await consumer?.close();
  });

  for (const delivery of ['live', 'complete'] as const) {
    it.each([0, 1, CS - 1, CS, CS + 1])(`round-trips %i bytes byte-exact (${delivery})`, async (n) => {
      const q = uniqueQueue('rt');
      const data = randomBytes(n, n + 7);
      const receiving = consumer.receive(q);
      const receipt = await producer.send(q, data, { name: `n${n}.bin`, delivery, size: n });
      const incoming = await receiving;
      expect(incoming.info).toMatchObject({ id: receipt.id, name: `n${n}.bin`, size: n, offset: 0, redelivered: false, delivery });
      const got = await collect(incoming.readable);
      expect(firstDifference(got, data)).toBe(-1);
      const result = await incoming.result;
      expect(result).toMatchObject({ length: n, bytes: n, chain: receipt.chain });
      expect(receipt.fragments).toBe(Math.ceil(n / CS));
    });
  }

  it('moves 100 MiB of random bytes byte-exact with matching SHA-256 (live, reading while writing)', async () => {
    const q = uniqueQueue('big');
    const data = randomBytes(100 * MiB, 42);
    const receiving = consumer.receive(q, { digest: 'sha256' });
    // Write in odd-sized pieces so fragments never line up with writes.
    const w = producer.writable(q, { name: 'big.bin', digest: 'sha256' });
    const writing = (async () => {
      const writer = w.getWriter();
      for (let o = 0; o < data.length; o += 3 * MiB + 17) await writer.write(data.subarray(o, o + 3 * MiB + 17));
      await writer.close();
      return w.receipt;
    })();
    const incoming = await receiving;
    const got = await collect(incoming.readable);
    const receipt = await writing;
    const result = await incoming.result;
    expect(firstDifference(got, data)).toBe(-1);
    expect(result.sha256).toBe(sha256(data));
    expect(result.producerSha256).toBe(receipt.sha256);
  });

  it('takes a fetch() body in and pipes out to a file', async () => {
    const q = uniqueQueue('fetch');
    const data = randomBytes(3 * MiB + 5, 9);
    const server: Server = createServer((_req, res) => { res.end(Buffer.from(data)); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const dir = await mkdtemp(join(tmpdir(), 'ss-'));
    try {
      const port = (server.address() as { port: number }).port;
      const receiving = consumer.receive(q);
      const body = (await fetch(`http://127.0.0.1:${port}/`)).body as ReadableStream<Uint8Array>;
      await body.pipeTo(producer.writable(q, { name: 'fetched' }));
      const incoming = await receiving;
      const file = join(dir, 'out.bin');
      await incoming.readable.pipeTo(Writable.toWeb(createWriteStream(file)) as WritableStream<Uint8Array>);
      expect(firstDifference(new Uint8Array(await readFile(file)), data)).toBe(-1);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const consumers of [1, 2]) {
    it(`8 producers × 3 streams, ${consumers} consumer(s): every stream intact, delivered once, one open stream per consumer`, async () => {
      const q = uniqueQueue('many');
      const producers = await Promise.all(Array.from({ length: 8 }, () => connect(ep.url, ep.options)));
      const readers = await Promise.all(Array.from({ length: consumers }, () => connect(ep.url, ep.options)));
      const expected = new Map<string, string>();
      const seen = new Map<string, number>();
      try {
        const iterators = readers.map((r) => r.streams(q, { window: 4 }));
        let received = 0;
        const done = new Promise<void>((resolve, reject) => {
          for (const it of iterators) {
            void (async () => {
              for await (const s of it) {
                const got = await collect(s.readable);
                seen.set(s.info.name, (seen.get(s.info.name) ?? 0) + 1);
                expect(sha256(got)).toBe(expected.get(s.info.name));
                if (++received === 24) resolve();
              }
            })().catch(reject);
          }
        });
        await Promise.all(producers.map(async (p, i) => {
          for (let k = 0; k < 3; k++) {
            const data = randomBytes(200_000 + i * 70_001 + k * 13, i * 10 + k + 1);
            expected.set(`p${i}-s${k}`, sha256(data));
            await p.send(q, data, { name: `p${i}-s${k}`, chunkSize: 64 * 1024 });
          }
        }));
        await done;
        expect([...seen.values()].every((c) => c === 1)).toBe(true);
        expect(seen.size).toBe(24);
        for (const it of iterators) expect(it.maxOpen).toBe(1);
        await Promise.all(iterators.map((it) => it.return?.()));
      } finally {
        await Promise.all([...producers, ...readers].map((s) => s.close()));
      }
    });
  }

  it('live: bytes of a partly filled fragment reach the consumer within linger, before the producer closes', async () => {
    const q = uniqueQueue('linger');
    const receiving = consumer.receive(q);
    const w = producer.writable(q, { name: 'trickle.txt', linger: 20 });
    const writer = w.getWriter();
    await writer.write(new TextEncoder().encode('first line\n'));
    const incoming = await receiving;
    const reader = incoming.readable.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first line\n');
    // Two small writes inside one linger period travel as one fragment.
    await writer.write(new TextEncoder().encode('sec'));
    await writer.write(new TextEncoder().encode('ond\n'));
    const second = await reader.read();
    expect(new TextDecoder().decode(second.value)).toBe('second\n');
    expect(w.stats().fragmentsSent).toBe(2);
    await writer.close();
    expect((await reader.read()).done).toBe(true);
    expect((await incoming.result).length).toBe(18);
  });

  it('complete delivery ignores linger: small writes still make whole fragments', async () => {
    const q = uniqueQueue('linger-complete');
    const w = producer.writable(q, { delivery: 'complete', linger: 1, chunkSize: 1024 });
    const writer = w.getWriter();
    for (let i = 0; i < 8; i++) {
      await writer.write(new Uint8Array(256).fill(i));
      await new Promise((r) => setTimeout(r, 5));
    }
    await writer.close();
    expect((await w.receipt).fragments).toBe(2);
    const incoming = await consumer.receive(q);
    expect((await collect(incoming.readable)).byteLength).toBe(2048);
  });

  it('keeps producer and consumer within their windows when the consumer reads slowly', async () => {
    const q = uniqueQueue('slow');
    const data = randomBytes(48 * 64 * 1024, 5);
    const receiving = consumer.receive(q, { window: 3 });
    const w = producer.writable(q, { chunkSize: 64 * 1024, window: 4 });
    const writing = new Blob([data]).stream().pipeTo(w);
    const incoming: IncomingStream = await receiving;
    const reader = incoming.readable.getReader();
    let total = 0;
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      total += r.value.byteLength;
      await new Promise((res) => setTimeout(res, 5));
    }
    await writing;
    expect(total).toBe(data.length);
    expect(w.stats().maxUnreceiptedFragments).toBeLessThanOrEqual(4);
    expect(w.stats().maxUnreceiptedFragments).toBeGreaterThan(0);
    expect(incoming.stats().maxHeldFragments).toBeLessThanOrEqual(3 + 1);
    expect(incoming.stats().maxBufferedBytes).toBeLessThanOrEqual(3 * 64 * 1024);
  });

  it('passes writable.abort(reason) to the consumer as ERR_STREAM_ABORTED with the reason', async () => {
    const q = uniqueQueue('abort');
    const receiving = consumer.receive(q);
    const w = producer.writable(q, { chunkSize: 1024 });
    const writer = w.getWriter();
    await writer.write(randomBytes(4096, 3));
    const incoming = await receiving;
    await writer.abort(Object.assign(new Error('user pressed cancel'), { code: 'E_USER' }));
    const err = await collect(incoming.readable).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_STREAM_ABORTED' });
    expect((err as Error).cause).toMatchObject({ message: 'user pressed cancel', code: 'E_USER' });
    await expect(w.receipt).rejects.toMatchObject({ code: 'ERR_STREAM_ABORTED' });
  });

  it('readable.cancel() discards the rest and the consumer moves on to the next stream', async () => {
    const q = uniqueQueue('cancel');
    await producer.send(q, randomBytes(300_000, 1), { name: 'first', chunkSize: 16 * 1024, delivery: 'complete' });
    await producer.send(q, randomBytes(1000, 2), { name: 'second', delivery: 'complete' });
    const it = consumer.streams(q);
    const first = (await it.next()).value as IncomingStream;
    const reader = first.readable.getReader();
    await reader.read();
    await reader.cancel('not interested');
    await expect(first.result).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    const second = (await it.next()).value as IncomingStream;
    expect(second.info.name).toBe('second');
    expect((await collect(second.readable)).length).toBe(1000);
    await it.return?.();
  });
});

describe.each(endpoints.filter((e) => e.transport === 'tcp'))('slow and dead producers over $name', (ep) => {
  it('keepalives keep a stalled live stream open; a dead producer fails the consumer within idleTimeout + 1 s', async () => {
    const q = uniqueQueue('idle');
    const producer = await connect(ep.url, ep.options);
    const consumer = await connect(ep.url, ep.options);
    try {
      const receiving = consumer.receive(q, { idleTimeout: 1500 });
      const w = producer.writable(q, { chunkSize: 1024, keepalive: 400 });
      const writer = w.getWriter();
      await writer.write(randomBytes(2048, 1));
      const incoming = await receiving;
      const reader = incoming.readable.getReader();
      expect((await reader.read()).value?.byteLength).toBe(1024);
      expect((await reader.read()).value?.byteLength).toBe(1024);
      // The source stalls for twice the idle timeout: keepalives must carry the stream.
      const pending = reader.read();
      await new Promise((r) => setTimeout(r, 3000));
      await writer.write(randomBytes(1024, 2));
      expect((await pending).value?.byteLength).toBe(1024);
      // Now the producer dies without a word.
      producer.stomp.destroy();
      const t0 = Date.now();
      const err = await reader.read().then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_PRODUCER_TIMEOUT' });
      expect(Date.now() - t0).toBeLessThanOrEqual(1500 + 1000);
    } finally {
      await consumer.close();
    }
  });
});
