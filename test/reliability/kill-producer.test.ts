/**
 * Reliability: kill -9 of a producer process in the middle of a stream.
 * - live delivery: the consumer reading it fails with ERR_PRODUCER_TIMEOUT within
 *   idleTimeout + 1 s of the kill, and moves on;
 * - complete delivery: no consumer ever sees the stream;
 * - in both cases the broker holds nothing of the stream once its ttl has passed.
 */
import { recordTotal } from '../support/totals.js';
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, StompStreamsError, type IncomingStream } from '../../src/index.js';
import { uniqueQueue } from '../support/endpoints.js';
import { activemqBrowse, rabbitQueues } from '../support/leftovers.js';

const TRIALS = Math.max(1, Math.round(Number(process.env['RELIABILITY_TRIALS'] ?? 20) / 10));
const IDLE = 3000;
const TTL = 4000;
/** ActiveMQ sweeps expired messages every 5 s (expireMessagesPeriod in brokers/activemq/activemq.xml). */
const SETTLE = TTL + 8000;

function producer(url: string, q: string, delivery: 'live' | 'complete'): ChildProcess & { sent: () => number; id: () => string; exited: Promise<void> } {
  const p = spawn(process.execPath, ['--import', 'tsx', 'test/support/slow-producer.ts', url, q, delivery, String(TTL)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let sent = 0;
  let id = '';
  p.stdout?.on('data', (d: Buffer) => {
    const text = d.toString();
    id ||= /id (\S+)\n/.exec(text)?.[1] ?? '';
    const m = /sent (\d+)\n$/.exec(text);
    if (m) sent = Number(m[1]);
  });
  const exited = new Promise<void>((resolve) => p.on('exit', () => resolve()));
  return Object.assign(p, { sent: () => sent, id: () => id, exited });
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Messages the broker still holds on the stream's queues (announcement and fragments). */
async function leftovers(broker: string, url: string, q: string, fragments: string | undefined): Promise<number> {
  if (broker === 'rabbitmq') {
    const name = q.replace('/queue/', '');
    let total = 0;
    for (const [queue, n] of await rabbitQueues(name)) if (queue === name || queue.startsWith(`${name}.ss.`)) total += n;
    return total;
  }
  let total = await activemqBrowse(url, q);
  if (fragments) total += await activemqBrowse(url, `/queue/${fragments.replace(/^\/queue\//, '')}`);
  return total;
}

describe.each([
  { broker: 'activemq', url: 'tcp://127.0.0.1:61613' },
  { broker: 'rabbitmq', url: 'tcp://127.0.0.1:61623' },
])('kill -9 of a producer process on $broker', ({ broker, url }) => {
  const log: string[] = [];
  afterAll(() => { for (const line of log) recordTotal(line); });

  it(`live: the reading consumer fails within idleTimeout + 1 s, and nothing is left after the ttl (${TRIALS} trials)`, async () => {
    const consumer = await connect(url, { login: 'guest', passcode: 'guest' });
    try {
      for (let t = 0; t < TRIALS; t++) {
        const q = uniqueQueue(`killp-live-${broker}`);
        const it = consumer.streams(q, { idleTimeout: IDLE });
        const p = producer(url, q, 'live');
        const first = await it.next();
        const s = first.value as IncomingStream;
        const reader = s.readable.getReader();
        let got = 0;
        const reading = (async () => { for (;;) { const r = await reader.read(); if (r.done) return; got += r.value.byteLength; } })();
        await until(() => got >= 1024 * 1024, 30_000);
        p.kill('SIGKILL');
        const killedAt = Date.now();
        await p.exited;
        const err = await reading.then(() => undefined, (e: unknown) => e);
        const detectedMs = Date.now() - killedAt;
        expect(err).toBeInstanceOf(StompStreamsError);
        expect(err).toMatchObject({ code: 'ERR_PRODUCER_TIMEOUT' });
        expect(detectedMs).toBeLessThanOrEqual(IDLE + 1000);
        await it.return?.();
        await new Promise((r) => setTimeout(r, SETTLE));
        const left = await leftovers(broker, url, q, s.info.fragmentDestination);
        expect(left).toBe(0);
        log.push(`[reliability] ${broker} producer kill (live) #${t}: killed after ${p.sent()} bytes sent, ${got} read; `
          + `consumer failed with ERR_PRODUCER_TIMEOUT after ${detectedMs} ms (idleTimeout ${IDLE}); messages left after ttl: ${left}`);
      }
    } finally {
      await consumer.close();
    }
  });

  it(`complete: no consumer ever sees the stream, and nothing is left after the ttl (${TRIALS} trials)`, async () => {
    const consumer = await connect(url, { login: 'guest', passcode: 'guest' });
    try {
      for (let t = 0; t < TRIALS; t++) {
        const q = uniqueQueue(`killp-complete-${broker}`);
        const it = consumer.streams(q, { idleTimeout: IDLE });
        let seen = 0;
        void it.next().then((r) => { if (!r.done) seen++; }, () => undefined);
        const p = producer(url, q, 'complete');
        await until(() => p.sent() >= 2 * 1024 * 1024, 30_000);
        p.kill('SIGKILL');
        await p.exited;
        expect(p.id()).not.toBe('');
        // The check can see them: right after the kill the fragments are on the broker.
        const before = await leftovers(broker, url, q, `${q}.ss.${p.id()}`);
        expect(before).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, SETTLE));
        expect(seen).toBe(0);
        await it.return?.();
        const left = await leftovers(broker, url, q, `${q}.ss.${p.id()}`);
        expect(left).toBe(0);
        log.push(`[reliability] ${broker} producer kill (complete) #${t}: killed after ${p.sent()} bytes sent; streams seen by the consumer: ${seen}; `
          + `messages held right after the kill: ${before}, after the ttl: ${left}`);
      }
    } finally {
      await consumer.close();
    }
  });
});
