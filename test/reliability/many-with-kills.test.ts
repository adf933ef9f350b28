/**
 * Reliability: 16 producers × 10 streams, 4 consumers whose connections are killed at random
 * points. Like a real application, a consumer keeps what it stored per stream; the consumer
 * that gets a redelivered stream truncates that to `info.offset` and appends. Every stream must
 * end up intact exactly once, and no consumer may ever hold two streams at once.
 */
import { recordTotal } from '../support/totals.js';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { connect, type IncomingStream, type StreamSession } from '../../src/index.js';
import { randomBytes, uniqueQueue } from '../support/endpoints.js';

const PRODUCERS = 16;
const STREAMS = 10;
const CONSUMERS = 4;
const KILL_PROBABILITY = 0.15;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.each([
  { name: 'activemq', url: 'tcp://127.0.0.1:61613' },
  { name: 'rabbitmq', url: 'tcp://127.0.0.1:61623' },
])('many streams with random consumer kills on $name', ({ name, url }) => {
  it(`${PRODUCERS} producers × ${STREAMS} streams, ${CONSUMERS} consumers, random kills: all intact, once, one open stream per consumer`, async () => {
    const opts = { login: 'guest', passcode: 'guest' };
    const q = uniqueQueue(`many-kills-${name}`);
    const expected = new Map<string, string>();
    const stored = new Map<string, Uint8Array[]>(); // what "the application" has written per stream
    const completed = new Map<string, number>();
    let kills = 0;
    let resumed = 0;
    let maxOpen = 0;
    const errors: string[] = []; // stream errors other than our own kills
    const total = PRODUCERS * STREAMS;

    /** Reads one stream into `stored`; returns false if this consumer was killed meanwhile. */
    async function consumeOne(session: StreamSession, s: IncomingStream): Promise<boolean> {
      const key = s.info.name;
      let parts = stored.get(key) ?? [];
      if (s.info.offset > 0) {
        resumed++;
        const prefix = Buffer.concat(parts).subarray(0, s.info.offset); // truncate to the resume point
        expect(prefix.length).toBe(s.info.offset);
        parts = [new Uint8Array(prefix)];
      } else {
        parts = [];
      }
      stored.set(key, parts);
      const reader = s.readable.getReader();
      for (;;) {
        const r = await reader.read().catch((err: unknown) => {
          const code = (err as { code?: string }).code;
          if (code !== 'ERR_SESSION_CLOSED') errors.push(`${key}: ${code} ${(err as Error).message}`);
          return { done: true, value: undefined, failed: true };
        });
        if ('failed' in r) return false;
        if (r.done) break;
        parts.push(r.value.slice());
        if (Math.random() < KILL_PROBABILITY / 8) { kills++; session.stomp.destroy(); return false; }
      }
      await s.result;
      expect(sha(Buffer.concat(parts))).toBe(expected.get(key));
      completed.set(key, (completed.get(key) ?? 0) + 1);
      return true;
    }

    async function consumerWorker(): Promise<void> {
      while (completed.size < total) {
        const session = await connect(url, opts);
        const it = session.streams(q, { window: 4, idleTimeout: 10_000 });
        let alive = true;
        let pending: Promise<IteratorResult<IncomingStream>> | undefined;
        try {
          while (alive && completed.size < total) {
            pending ??= it.next(); // never two next() calls at once: re-race the same one
            const next = await Promise.race([pending, new Promise<'idle'>((r) => setTimeout(() => r('idle'), 500))]);
            if (next === 'idle') continue;
            pending = undefined;
            if (next.done) break;
            alive = await consumeOne(session, next.value);
            maxOpen = Math.max(maxOpen, it.maxOpen);
          }
        } catch {
          alive = false;
        } finally {
          if (alive) { await it.return?.(); await session.close(); } else session.stomp.destroy();
        }
      }
    }

    const producers = await Promise.all(Array.from({ length: PRODUCERS }, () => connect(url, opts)));
    const producing = Promise.all(producers.map(async (p, i) => {
      for (let k = 0; k < STREAMS; k++) {
        const data = randomBytes(64 * 1024 + ((i * 31 + k * 17) % 16) * 48 * 1024, 7000 + i * 100 + k);
        expected.set(`p${i}s${k}`, sha(data));
        await p.send(q, data, { name: `p${i}s${k}`, chunkSize: 16 * 1024 });
      }
    }));
    const watchdog = setInterval(() => console.log(`[reliability] ${name}: ${completed.size}/${total} streams so far, ${kills} kills; errors: ${errors.join(' | ') || 'none'}`), 30_000);
    try {
      await Promise.all([producing, ...Array.from({ length: CONSUMERS }, () => consumerWorker())]);
    } finally {
      clearInterval(watchdog);
    }
    await Promise.all(producers.map((p) => p.close()));
    const duplicated = [...completed.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    recordTotal(`[reliability] many streams with consumer kills, ${name}: streams ${total}, completed ${completed.size}, lost ${total - completed.size}, `
      + `duplicated ${duplicated}, consumer kills ${kills}, resumed ${resumed}, max open per consumer ${maxOpen}`);
    expect(errors).toEqual([]);
    expect(completed.size).toBe(total);
    expect([...completed.values()].every((c) => c === 1)).toBe(true);
    expect(maxOpen).toBe(1);
  }, 600_000);
});
