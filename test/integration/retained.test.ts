/**
 * Retained streams and `onRedelivery: 'restart'` — RabbitMQ stream queues (the only broker
 * here that keeps fragments after acknowledgement), and the refusals elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { connect, InvalidOptionError, type IncomingStream, type StompStreamsError } from '../../src/index.js';
import { collect, endpoints, firstDifference, randomBytes, uniqueQueue } from '../support/endpoints.js';
import { rabbitQueues } from '../support/leftovers.js';

const rabbit = endpoints.find((e) => e.name === 'rabbitmq/tcp')!;
const activemq = endpoints.find((e) => e.name === 'activemq/tcp')!;
const management = { url: 'http://127.0.0.1:15672' };
const CHUNK = 16 * 1024;

async function queueExists(fragments: string): Promise<boolean> {
  const name = fragments.replace('/queue/', '');
  return (await rabbitQueues(name)).has(name);
}

describe('retained streams on RabbitMQ', () => {
  it('round trip: read from a stream queue, which the consumer deletes when it is done', async () => {
    const q = uniqueQueue('retained');
    const data = randomBytes(20 * CHUNK + 5, 21);
    const producer = await connect(rabbit.url, rabbit.options);
    const consumer = await connect(rabbit.url, { ...rabbit.options, management });
    try {
      const receipt = await producer.send(q, data, { retain: true, chunkSize: CHUNK, delivery: 'complete' });
      expect(await queueExists(receipt.fragmentDestination)).toBe(true);
      const s = await consumer.receive(q);
      expect(firstDifference(await collect(s.readable), data)).toBe(-1);
      await s.result;
      await new Promise((r) => setTimeout(r, 500));
      expect(await queueExists(receipt.fragmentDestination)).toBe(false);
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  it('restart: the next consumer re-reads the stream from byte 0 after the first one died', async () => {
    const q = uniqueQueue('restart');
    const data = randomBytes(40 * CHUNK, 22);
    const producer = await connect(rabbit.url, rabbit.options);
    const first = await connect(rabbit.url, { ...rabbit.options, management });
    const second = await connect(rabbit.url, { ...rabbit.options, management });
    try {
      const receipt = await producer.send(q, data, { retain: true, chunkSize: CHUNK, delivery: 'complete', digest: 'sha256' });
      const dying = await first.receive(q, { onRedelivery: 'restart', window: 4 });
      const reader = dying.readable.getReader();
      for (let i = 0; i < 12; i++) await reader.read();
      await new Promise((r) => setTimeout(r, 300));
      first.stomp.destroy();
      const next = await second.receive(q, { onRedelivery: 'restart', window: 4, digest: 'sha256' });
      expect(next.info).toMatchObject({ redelivered: true, offset: 0 });
      expect(firstDifference(await collect(next.readable), data)).toBe(-1);
      const result = await next.result;
      expect(result.sha256).toBe(receipt.sha256);
      expect(result).toMatchObject({ offset: 0, bytes: data.length, length: data.length });
      await new Promise((r) => setTimeout(r, 500));
      expect(await queueExists(receipt.fragmentDestination)).toBe(false);
    } finally {
      await producer.close();
      await second.close();
    }
  });

  it('restart meets a stream that was not retained: typed error, drained, and the consumer moves on', async () => {
    const q = uniqueQueue('restart-plain');
    const producer = await connect(rabbit.url, rabbit.options);
    const first = await connect(rabbit.url, rabbit.options);
    const second = await connect(rabbit.url, { ...rabbit.options, management });
    try {
      await producer.send(q, randomBytes(20 * CHUNK, 23), { chunkSize: CHUNK, delivery: 'complete', name: 'plain' });
      const dying = await first.receive(q, { window: 4 });
      await dying.readable.getReader().read();
      await new Promise((r) => setTimeout(r, 300));
      first.stomp.destroy();
      await producer.send(q, randomBytes(1000, 24), { delivery: 'complete', name: 'after' });
      const it = second.streams(q, { onRedelivery: 'restart' });
      const bad = (await it.next()).value as IncomingStream;
      const err = await collect(bad.readable).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_UNSUPPORTED' });
      const next = (await it.next()).value as IncomingStream;
      expect(next.info.name).toBe('after');
      expect((await collect(next.readable)).length).toBe(1000);
      await it.return?.();
    } finally {
      await producer.close();
      await second.close();
    }
  });

  it('without management, a consumer still reads a retained stream and warns that its queue is left', async () => {
    const q = uniqueQueue('retained-warn');
    const warnings: StompStreamsError[] = [];
    const producer = await connect(rabbit.url, rabbit.options);
    const consumer = await connect(rabbit.url, { ...rabbit.options, onWarning: (w) => warnings.push(w) });
    try {
      const receipt = await producer.send(q, randomBytes(3 * CHUNK, 25), { retain: true, chunkSize: CHUNK });
      const s = await consumer.receive(q);
      expect((await collect(s.readable)).length).toBe(3 * CHUNK);
      await new Promise((r) => setTimeout(r, 300));
      expect(warnings.map((w) => w.message).join()).toMatch(/left on the broker/);
      expect(await queueExists(receipt.fragmentDestination)).toBe(true);
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  it('restart without management is refused naming the option', async () => {
    const s = await connect(rabbit.url, rabbit.options);
    try {
      expect(() => s.streams('/queue/x', { onRedelivery: 'restart' })).toThrow(InvalidOptionError);
      expect(() => s.streams('/queue/x', { onRedelivery: 'restart' })).toThrow(expect.objectContaining({ field: 'management' }));
    } finally {
      await s.close();
    }
  });
});

describe('retained streams on ActiveMQ', () => {
  it('retain and restart are refused up front, naming the broker', async () => {
    const s = await connect(activemq.url, { ...activemq.options, management });
    try {
      expect(() => s.writable('/queue/x', { retain: true })).toThrow(expect.objectContaining({ field: 'retain', message: expect.stringContaining('activemq') }));
      expect(() => s.streams('/queue/x', { onRedelivery: 'restart' })).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED', message: expect.stringContaining('activemq') }));
    } finally {
      await s.close();
    }
  });
});

describe('management option', () => {
  it.each([
    [{ url: 'ftp://x' }, 'management.url'],
    [{}, 'management.url'],
    ['http://x', 'management'],
  ])('rejects %j naming %s', async (management, field) => {
    await expect(connect(rabbit.url, { ...rabbit.options, management: management as never })).rejects.toMatchObject({ field });
  });
});
