/**
 * Reliability: 16 producers × 10 streams, 4 consumer *processes* (test/support/consumer-role.ts)
 * killed with SIGKILL at random moments while they hold a stream, and started again. Each
 * consumer stores a stream as a file in one shared directory, resumable like
 * `stomp-streams receive`; whoever gets a redelivered stream continues the dead one's file at
 * `info.offset`. Every stream must end up byte-exact exactly once, and no consumer may ever
 * hold two streams at once (seen from its events and from the library's own count).
 */
import { recordTotal } from '../support/totals.js';
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect } from '../../src/index.js';
import { randomBytes, uniqueQueue } from '../support/endpoints.js';
import { activemqBrowse, rabbitQueues } from '../support/leftovers.js';
import { attemptsDestination } from '../../src/stream/attempt-counter.js';

/** Messages the broker still holds of the suite's destinations (announcements, fragments, hand-over counts), by queue. */
async function leftovers(broker: string, url: string, q: string, fragmentQueues: Iterable<string>): Promise<Map<string, number>> {
  const left = new Map<string, number>();
  if (broker === 'rabbitmq') {
    for (const [queue, n] of await rabbitQueues(q.replace('/queue/', ''))) if (n > 0) left.set(queue, n);
    return left;
  }
  for (const d of [q, ...[...fragmentQueues].flatMap((f) => [f, attemptsDestination(f)])]) {
    const n = await activemqBrowse(url, d, 2000);
    if (n > 0) left.set(d, n);
  }
  return left;
}

const PRODUCERS = 16;
const STREAMS = 10;
const CONSUMERS = 4;
const MS_PER_CHUNK = 4; // 16 KiB fragments: a stream of 64–784 KiB takes 16–200 ms to store
const KILL_EVERY_MS = 200;
const MAX_KILLS = 40;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Event { e: 'open' | 'reopened' | 'done' | 'failed'; name: string; offset?: number; redelivered?: boolean; fragments?: string; maxOpen?: number; reordered?: number; code?: string; message?: string }

/** What the suite learns from the consumer processes' events. */
class Ledger {
  readonly completed = new Map<string, number>();
  readonly errors: string[] = [];
  readonly failed = new Set<string>();
  readonly fragmentQueues = new Set<string>();
  resumed = 0;
  reopened = 0;
  reordered = 0; // fragments the broker delivered ahead of their turn (held, then verified in order)
  maxOpenSeen = 0; // streams a process held at once, from its open/done events
  maxOpenLibrary = 0; // the library's own count, reported in each event

  /** Applies one event of a process; `holding` is the stream that process holds now. */
  apply(ev: Event, holding: string | undefined): string | undefined {
    this.maxOpenLibrary = Math.max(this.maxOpenLibrary, ev.maxOpen ?? 0);
    switch (ev.e) {
      case 'open':
        if (ev.fragments) this.fragmentQueues.add(ev.fragments);
        this.maxOpenSeen = Math.max(this.maxOpenSeen, holding === undefined ? 1 : 2);
        if ((ev.offset ?? 0) > 0) this.resumed++;
        return ev.name;
      case 'done':
        this.completed.set(ev.name, (this.completed.get(ev.name) ?? 0) + 1);
        this.reordered += ev.reordered ?? 0;
        return undefined;
      case 'failed':
        this.failed.add(ev.name);
        this.errors.push(`${ev.name} (${ev.fragments} from byte ${ev.offset}${ev.redelivered ? ', redelivered' : ''}): ${ev.code} ${ev.message}`);
        return undefined;
      case 'reopened':
        this.reopened++;
        return holding;
    }
  }
}

interface Consumer { child: ChildProcess; holding: string | undefined; exited: Promise<void> }

describe.each([
  { name: 'activemq', url: 'tcp://127.0.0.1:61613' },
  { name: 'rabbitmq', url: 'tcp://127.0.0.1:61623' },
])('many streams with kill -9 of consumer processes on $name', ({ name, url }) => {
  it(`${PRODUCERS} producers × ${STREAMS} streams, ${CONSUMERS} consumer processes killed at random: all intact, once, one open stream per consumer`, async () => {
    const q = uniqueQueue(`many-kills-${name}`);
    const dir = await mkdtemp(join(tmpdir(), 'ss-many-'));
    const expected = new Map<string, { sha: string; length: number }>();
    const ledger = new Ledger();
    const consumers = new Set<Consumer>();
    const total = PRODUCERS * STREAMS;
    let kills = 0;
    let stopping = false;

    function startConsumer(): void {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/consumer-role.ts', url, q, dir, String(MS_PER_CHUNK)],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      const c: Consumer = { child, holding: undefined, exited: new Promise((r) => child.on('exit', () => r())) };
      consumers.add(c);
      createInterface({ input: child.stdout! }).on('line', (line) => { c.holding = ledger.apply(JSON.parse(line) as Event, c.holding); });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      void c.exited.then(() => {
        consumers.delete(c);
        if (child.signalCode !== 'SIGKILL' && !stopping) ledger.errors.push(`a consumer exited by itself (${child.exitCode}): ${stderr.slice(-500)}`);
        if (!stopping) startConsumer();
      });
    }

    /** SIGKILL to a random consumer that is holding a stream. */
    function killOne(): void {
      const holding = [...consumers].filter((c) => c.holding !== undefined && c.child.exitCode === null && c.child.signalCode === null);
      const victim = holding[Math.floor(Math.random() * holding.length)];
      if (!victim || kills >= MAX_KILLS) return;
      kills++;
      victim.child.kill('SIGKILL');
    }

    for (let i = 0; i < CONSUMERS; i++) startConsumer();
    const killer = setInterval(killOne, KILL_EVERY_MS);
    const producers = await Promise.all(Array.from({ length: PRODUCERS }, () => connect(url, { login: 'guest', passcode: 'guest' })));
    try {
      await Promise.all(producers.map(async (p, i) => {
        for (let k = 0; k < STREAMS; k++) {
          const data = randomBytes(64 * 1024 + ((i * 31 + k * 17) % 16) * 48 * 1024, 7000 + i * 100 + k);
          expected.set(`p${i}s${k}`, { sha: sha(data), length: data.length });
          await p.send(q, data, { name: `p${i}s${k}`, chunkSize: 16 * 1024 });
        }
      }));
      for (let waited = 0; ledger.completed.size + ledger.failed.size < total && waited < 300_000; waited += 100) {
        await new Promise((r) => setTimeout(r, 100));
        if (waited % 30_000 === 0) console.log(`[reliability] ${name}: ${ledger.completed.size}/${total} streams so far, ${kills} kills`);
      }
      await new Promise((r) => setTimeout(r, 1000)); // the last streams' clean-up after their 'done' lines
    } finally {
      clearInterval(killer);
      stopping = true;
      for (const c of consumers) c.child.kill('SIGKILL');
      await Promise.all([...consumers].map((c) => c.exited));
      await Promise.all(producers.map((p) => p.close()));
    }

    let intact = 0;
    let bytesLost = 0;
    let bytesDuplicated = 0;
    for (const [stream, want] of expected) {
      const got = await readFile(join(dir, stream)).catch(() => Buffer.alloc(0));
      if (got.length === want.length && sha(got) === want.sha) intact++;
      else if (got.length > want.length) bytesDuplicated += got.length - want.length;
      else bytesLost += want.length - Math.min(got.length, want.length);
    }
    await rm(dir, { recursive: true, force: true });
    const left = await leftovers(name, url, q, ledger.fragmentQueues);
    const countsLeft = [...left].filter(([d]) => d.endsWith('.attempts')).reduce((a, [, n]) => a + n, 0);
    const streamLeft = Object.fromEntries([...left].filter(([d]) => !d.endsWith('.attempts')));
    const finishedTwice = [...ledger.completed.values()].filter((n) => n > 1).length;
    recordTotal(`[reliability] many streams with kill -9 of consumer processes, ${name}: streams ${total}, intact ${intact}, bytes lost ${bytesLost}, `
      + `bytes duplicated ${bytesDuplicated}, consumer kills ${kills}, resumed ${ledger.resumed}, finished twice ${finishedTwice} `
      + `(file taken back ${ledger.reopened}), fragments reordered by the broker ${ledger.reordered}, max open per consumer ${ledger.maxOpenSeen} (library count ${ledger.maxOpenLibrary}), messages left on the broker ${Object.values(streamLeft).reduce((a, b) => a + b, 0)} `
      + `(+ ${countsLeft} hand-over counts)`);
    expect(ledger.errors).toEqual([]);
    expect(intact).toBe(total);
    expect({ bytesLost, bytesDuplicated }).toEqual({ bytesLost: 0, bytesDuplicated: 0 });
    // A stream comes back after it was finished only when a kill fell between the end commit
    // and the broker's receipt for it; the file is then taken back, never written twice.
    expect(finishedTwice).toBeLessThanOrEqual(ledger.reopened);
    expect({ seen: ledger.maxOpenSeen, library: ledger.maxOpenLibrary }).toEqual({ seen: 1, library: 1 });
    expect(kills).toBeGreaterThanOrEqual(10); // the suite really killed consumers mid-stream
    expect(ledger.resumed).toBeGreaterThan(0);
    // Nothing of a finished stream stays behind (it would pin ActiveMQ journal files for the ttl),
    // but for a hand-over count a kill cut off while it was being written (seen once in 4 runs;
    // it expires with the ttl).
    expect(streamLeft).toEqual({});
    expect(countsLeft).toBeLessThanOrEqual(2);
  }, 600_000);
});
