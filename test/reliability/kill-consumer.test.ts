/**
 * Reliability: kill -9 a receiving CLI process at a random point of a stream; a second
 * receiver process (same directory) must finish it byte-exact. Real processes, real brokers.
 *
 *   RELIABILITY_TRIALS=50 npm run test:reliability     (CI runs 20 per broker via npm test)
 */
import { recordTotal } from '../support/totals.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type StreamSession } from '../../src/index.js';
import { randomBytes, uniqueQueue } from '../support/endpoints.js';
import { activemqBrowse, rabbitQueues } from '../support/leftovers.js';

const TRIALS = Number(process.env['RELIABILITY_TRIALS'] ?? 20);
const SIZE = 12 * 1024 * 1024;
const env = { ...process.env, STOMP_STREAMS_LOGIN: 'guest', STOMP_STREAMS_PASSCODE: 'guest' };

interface Totals { trials: number; completed: number; killedMidStream: number; bytesLost: number; bytesDuplicated: number }

function receiver(url: string, q: string, out: string, extra: string[]): ChildProcess & { done: Promise<number | null>; log: () => string } {
  const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'receive', '--url', url, '--from', q, '--out', out, '--count', '1', '--idle-timeout', '5000', ...extra],
    { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  return Object.assign(p, { done, log: () => stderr });
}

/** Size of the receiver's partial file, or -1 when there is none yet. */
async function partialSize(dir: string): Promise<number> {
  const f = (await readdir(dir).catch(() => [] as string[])).find((n) => n.endsWith('.partial'));
  return f ? (await stat(join(dir, f)).catch(() => ({ size: -1 }))).size : -1;
}

/** Kills `p` with SIGKILL once the partial file reaches `killAt` bytes; the size it had then, or -1 if `p` finished first. */
async function killOnceGrown(p: ReturnType<typeof receiver>, dir: string, killAt: number): Promise<number> {
  let killedAt = -1;
  while (p.exitCode === null) {
    const size = await partialSize(dir);
    if (size >= killAt) { p.kill('SIGKILL'); killedAt = size; break; }
    await new Promise((r) => setTimeout(r, 3));
  }
  await p.done;
  return killedAt;
}

const MANAGEMENT = 'http://127.0.0.1:15672';

describe.each([
  { name: 'activemq', url: 'tcp://127.0.0.1:61613', recovery: 'resume', trials: TRIALS },
  { name: 'rabbitmq', url: 'tcp://127.0.0.1:61623', recovery: 'resume', trials: TRIALS },
  // restart needs retained fragments: RabbitMQ stream queues only (ActiveMQ refuses it up front).
  { name: 'rabbitmq', url: 'tcp://127.0.0.1:61623', recovery: 'restart', trials: Math.ceil(TRIALS / 2) },
])('kill -9 of a receiving process on $name ($recovery)', ({ name, url, recovery, trials }) => {
  const restart = recovery === 'restart';
  const extra = ['--recovery', recovery, ...(restart ? ['--management', MANAGEMENT] : [])];
  let producer: StreamSession;
  const totals: Totals = { trials: 0, completed: 0, killedMidStream: 0, bytesLost: 0, bytesDuplicated: 0 };
  beforeAll(async () => { producer = await connect(url, { login: 'guest', passcode: 'guest' }); });
  afterAll(async () => {
    await producer?.close();
    recordTotal(`[reliability] kill -9 consumer, ${name} (${recovery}): trials ${totals.trials}, completed ${totals.completed}, killed mid-stream ${totals.killedMidStream}, bytes lost ${totals.bytesLost}, bytes duplicated ${totals.bytesDuplicated}`);
  });

  it(`${trials} trials: every stream completes byte-exact through the next receiver`, async () => {
    for (let t = 0; t < trials; t++) {
      const q = uniqueQueue(`kill-${name}`);
      const dir = await mkdtemp(join(tmpdir(), 'ss-kill-'));
      const data = randomBytes(SIZE, 1000 + t);
      try {
        const receipt = await producer.send(q, data, { name: `t${t}.bin`, chunkSize: 64 * 1024, delivery: 'complete', retain: restart });
        const killAt = Math.floor((0.02 + Math.random() * 0.9) * SIZE);
        const killedAt = await killOnceGrown(receiver(url, q, dir, extra), dir, killAt);
        const finalPath = join(dir, `t${t}.bin`);
        const finished = await stat(finalPath).then(() => true, () => false);
        let log = `trial ${t}: kill at >= ${killAt} bytes, partial file had ${killedAt}`;
        if (!finished) {
          totals.killedMidStream++;
          const second = receiver(url, q, dir, extra);
          const code = await second.done;
          const last = second.log().trim().split('\n').pop() ?? '';
          log += `; second receiver exit ${code}: ${last}`;
          if (restart) expect(last).not.toMatch(/resumed at/); // restarted from byte 0
        }
        if (restart) {
          await new Promise((r) => setTimeout(r, 300));
          const name = receipt.fragmentDestination.replace('/queue/', '');
          expect((await rabbitQueues(name)).has(name)).toBe(false); // the stream queue was deleted
        }
        const got = await readFile(finalPath).catch(() => Buffer.alloc(0));
        totals.trials++;
        if (got.length < data.length) totals.bytesLost += data.length - got.length;
        if (got.length > data.length) totals.bytesDuplicated += got.length - data.length;
        if (Buffer.compare(got, Buffer.from(data)) === 0) totals.completed++;
        else if (got.length === data.length) totals.bytesLost += data.length; // same length, wrong content
        console.log(`[reliability] ${name} ${log}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    expect(totals).toMatchObject({ trials, completed: trials, bytesLost: 0, bytesDuplicated: 0 });
  }, 60_000 + trials * 20_000);
});

/**
 * discard: the receiver that takes over a killed receiver's stream drops the rest of it (no
 * file, no partial file, nothing left on the broker) and goes on to the next stream, which
 * must arrive byte-exact.
 */
describe.each([
  { name: 'activemq', url: 'tcp://127.0.0.1:61613' },
  { name: 'rabbitmq', url: 'tcp://127.0.0.1:61623' },
])('kill -9 of a receiving process on $name (discard)', ({ name, url }) => {
  const trials = Math.ceil(TRIALS / 4);
  const extra = ['--recovery', 'discard'];
  let producer: StreamSession;
  const totals = { trials: 0, killedMidStream: 0, discarded: 0, nextIntact: 0, filesLeft: 0, messagesLeft: 0 };
  beforeAll(async () => { producer = await connect(url, { login: 'guest', passcode: 'guest' }); });
  afterAll(async () => {
    await producer?.close();
    recordTotal(`[reliability] kill -9 consumer, ${name} (discard): trials ${totals.trials}, killed mid-stream ${totals.killedMidStream}, `
      + `discarded ${totals.discarded}, next stream intact ${totals.nextIntact}, files left of discarded streams ${totals.filesLeft}, messages left on the broker ${totals.messagesLeft}`);
  });

  /** Messages the broker still holds on `destination`. */
  async function held(destination: string): Promise<number> {
    if (name === 'activemq') return activemqBrowse(url, destination, 1500);
    const queue = destination.replace('/queue/', '');
    return (await rabbitQueues(queue)).get(queue) ?? 0;
  }

  it(`${trials} trials: the next receiver drops the killed stream and receives the following one`, async () => {
    for (let t = 0; t < trials; t++) {
      const q = uniqueQueue(`kill-discard-${name}`);
      const dir = await mkdtemp(join(tmpdir(), 'ss-kill-'));
      const victim = randomBytes(SIZE, 3000 + t);
      const next = randomBytes(SIZE / 8, 4000 + t);
      try {
        const sent = await producer.send(q, victim, { name: `victim${t}.bin`, chunkSize: 64 * 1024, delivery: 'complete' });
        await producer.send(q, next, { name: `next${t}.bin`, chunkSize: 64 * 1024, delivery: 'complete' });
        const killAt = Math.floor((0.02 + Math.random() * 0.9) * SIZE);
        const killedAt = await killOnceGrown(receiver(url, q, dir, extra), dir, killAt);
        totals.trials++;
        if (killedAt < 0) { console.log(`[reliability] ${name} discard trial ${t}: the receiver finished before the kill`); continue; }
        totals.killedMidStream++;
        const second = receiver(url, q, dir, extra);
        expect(await second.done).toBe(0);
        const log = second.log();
        if (log.includes(`discarded victim${t}.bin`)) totals.discarded++;
        const files = await readdir(dir);
        totals.filesLeft += files.filter((f) => f.startsWith('victim') || f.endsWith('.partial')).length;
        const got = await readFile(join(dir, `next${t}.bin`)).catch(() => Buffer.alloc(0));
        if (Buffer.compare(got, Buffer.from(next)) === 0) totals.nextIntact++;
        const left = (await held(sent.fragmentDestination)) + (await held(q));
        totals.messagesLeft += left;
        console.log(`[reliability] ${name} discard trial ${t}: killed with ${killedAt} bytes in the partial file; files afterwards: ${files.join(', ')}; messages left ${left}; ${log.trim().split('\n').join(' / ')}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    expect(totals).toMatchObject({ discarded: totals.killedMidStream, nextIntact: totals.killedMidStream, filesLeft: 0, messagesLeft: 0 });
    expect(totals.killedMidStream).toBeGreaterThan(0);
  }, 60_000 + trials * 20_000);
});
