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
import { rabbitQueues } from '../support/leftovers.js';

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
        const first = receiver(url, q, dir, extra);
        let killedAt = -1;
        while (first.exitCode === null) {
          const size = await partialSize(dir);
          if (size >= killAt) { first.kill('SIGKILL'); killedAt = size; break; }
          await new Promise((r) => setTimeout(r, 3));
        }
        await first.done;
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
