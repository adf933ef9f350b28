/**
 * Reliability: the broker restarts (graceful stop, persistent data kept) in the middle of a
 * live transfer. Both sessions reconnect; the producer sends its unreceipted fragments again;
 * the consumer's stream fails with ERR_CONNECTION_LOST and comes back through the resume path
 * (info.redelivered, info.offset); the bytes must end up byte-exact, none lost, none doubled.
 *
 * It restarts the shared brokers, so it runs in the reliability group, after the other tests.
 */
import { recordTotal } from '../support/totals.js';
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect, ConnectionError, ErrorCode, type StreamSession } from '../../src/index.js';
import { firstDifference, randomBytes, uniqueQueue } from '../support/endpoints.js';

const SIZE = 96 * 1024 * 1024;
const CHUNK = 64 * 1024;
const credentials = { login: 'guest', passcode: 'guest', heartbeat: { outgoing: 2000, incoming: 2000 }, reconnect: { timeout: 120_000 } };

interface Outcome { attempts: number; resumedAt: number[]; errors: string[]; delivered: number; duplicatesDropped: number }

/** Reads streams until one completes, writing each at its info.offset (a resume truncates there). */
async function receiveResuming(session: StreamSession, q: string, out: Uint8Array, progress: (n: number) => void): Promise<Outcome> {
  const o: Outcome = { attempts: 0, resumedAt: [], errors: [], delivered: 0, duplicatesDropped: 0 };
  for await (const s of session.streams(q, { idleTimeout: 60_000 })) {
    o.attempts++;
    if (s.info.redelivered) o.resumedAt.push(s.info.offset);
    let pos = s.info.offset;
    try {
      for await (const chunk of s.readable as unknown as AsyncIterable<Uint8Array>) {
        out.set(chunk, pos);
        pos += chunk.byteLength;
        o.delivered += chunk.byteLength;
        progress(pos);
      }
      o.duplicatesDropped += (await s.result).duplicates;
      return o;
    } catch (err) {
      o.errors.push(`${(err as { code?: string }).code}: ${(err as Error).message}`);
      if (!(err instanceof ConnectionError)) throw err;
    }
  }
  throw new Error('the consumer ended without completing the stream');
}

async function restartBroker(name: string): Promise<number> {
  const t0 = Date.now();
  await promisify(execFile)('bash', ['scripts/brokers.sh', 'restart', name], { timeout: 180_000 });
  return Date.now() - t0;
}

describe.each([
  { name: 'activemq', url: 'tcp://127.0.0.1:61613' },
  { name: 'rabbitmq', url: 'tcp://127.0.0.1:61623' },
])('broker restart mid-transfer on $name', ({ name, url }) => {
  const log: string[] = [];
  afterAll(() => { for (const line of log) recordTotal(line); });

  it('the transfer completes byte-exact after both sessions reconnect', async () => {
    const producer = await connect(url, credentials);
    const consumer = await connect(url, credentials);
    const q = uniqueQueue(`restart-${name}`);
    const data = randomBytes(SIZE, 4242);
    const out = new Uint8Array(SIZE);
    let restartAt = -1;
    let restarted: Promise<number> | undefined;
    const receiving = receiveResuming(consumer, q, out, (n) => {
      if (restartAt < 0 && n >= SIZE * 0.3) {
        restartAt = n;
        restarted = restartBroker(name);
      }
    });
    // A slow source, so that the restart lands while the producer is still writing: once the
    // restart is under way it holds the rest back until the producer has reconnected (a fast
    // broker could otherwise take all of it before going down; seen with RabbitMQ).
    let pos = 0;
    const source = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (pos >= SIZE) return c.close();
        await new Promise((r) => setTimeout(r, 2));
        for (let waited = 0; restarted && producer.stomp.stats().reconnects === 0 && waited < 120_000; waited += 50) {
          await new Promise((r) => setTimeout(r, 50));
        }
        c.enqueue(data.subarray(pos, (pos += 1024 * 1024)));
      },
    });
    const receipt = await producer.send(q, source, { name: 'restart.bin', chunkSize: CHUNK, keepalive: 1000 });
    const outcome = await receiving;
    const restartMs = await restarted;

    expect(receipt.bytes).toBe(SIZE);
    expect(restartAt).toBeGreaterThan(0);
    expect(firstDifference(out, data)).toBe(-1);
    expect(producer.stomp.stats().reconnects).toBeGreaterThanOrEqual(1);
    expect(consumer.stomp.stats().reconnects).toBeGreaterThanOrEqual(1);
    expect(outcome.attempts).toBeGreaterThanOrEqual(2);
    expect(outcome.errors.every((e) => e.startsWith(ErrorCode.ConnectionLost))).toBe(true);
    log.push(`[reliability] ${name} restart: ${SIZE / 2 ** 20} MiB, broker restarted at byte ${restartAt} (took ${restartMs} ms), `
      + `consumer attempts ${outcome.attempts}, resumed at ${outcome.resumedAt.join(',')}, producer reconnects ${producer.stomp.stats().reconnects}, `
      + `consumer reconnects ${consumer.stomp.stats().reconnects}, bytes delivered ${outcome.delivered} (re-read after resume ${outcome.delivered - SIZE}), `
      + `duplicate fragments dropped ${outcome.duplicatesDropped}, first differing byte ${firstDifference(out, data)} (-1: byte-exact)`);
    await producer.close();
    await consumer.close();
  }, 300_000);
});
