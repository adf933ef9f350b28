/**
 * Shared pieces of the benchmark suite: the endpoints the project's brokers listen on, child
 * processes that run one role each (bench/roles.ts) and report JSON, and small statistics.
 *
 * Every transfer runs its producer and its consumer in separate child processes, whatever is
 * measured (stream, raw session or stompjs), so the baselines and the stream layer see the
 * same CPU arrangement. Times are `performance.timeOrigin + performance.now()`: the same
 * clock in every process of this machine, to a fraction of a millisecond.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** The project's brokers (scripts/brokers.sh). */
export const ENDPOINTS: Record<string, { url: string; broker: 'activemq' | 'rabbitmq' }> = {
  'activemq/tcp': { url: 'tcp://127.0.0.1:61613', broker: 'activemq' },
  'activemq/ws': { url: 'ws://127.0.0.1:61614', broker: 'activemq' },
  'rabbitmq/tcp': { url: 'tcp://127.0.0.1:61623', broker: 'rabbitmq' },
  'rabbitmq/ws': { url: 'ws://127.0.0.1:15674/ws', broker: 'rabbitmq' },
};

/** What every role process reports when it ends. */
export interface RoleReport {
  role: string;
  /** Payload bytes moved by this process. */
  bytes: number;
  /** First write (producers) or first byte received (consumers), epoch ms. */
  start: number;
  /** Last receipt (producers) or last verified byte (consumers), epoch ms. */
  end: number;
  /** CPU seconds (user + system) of the process during the transfer (start-up excluded). */
  cpuSeconds: number;
  /** Peak resident set size of the process. */
  maxRssMiB: number;
  /** Role-specific figures. */
  extra?: Record<string, number | string | number[]>;
}

/** Precise epoch milliseconds, comparable across processes of this machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** The report line a role process prints last; `cpu0` is `process.cpuUsage()` taken when the transfer began. */
export function finishReport(r: Omit<RoleReport, 'cpuSeconds' | 'maxRssMiB'>, cpu0: NodeJS.CpuUsage): RoleReport {
  const cpu = process.cpuUsage(cpu0);
  return { ...r, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

const ROLES = fileURLToPath(new URL('../roles.ts', import.meta.url));

/** A running role process: `ready` once it printed `ready`, `report` when it exited. */
export interface RoleProcess {
  ready: Promise<void>;
  report: Promise<RoleReport>;
  /** Ends the process (its report then rejects). */
  kill(): void;
}

/** Starts `bench/roles.ts <role> <json args>` in a fresh Node process. */
export function runRole(role: string, args: Record<string, unknown>, nodeArgs: string[] = []): RoleProcess {
  const p = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ROLES, role, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errTail = '';
  // Shown as it comes, and its tail kept: a failed role's error (e.g. ERR_GAP) reaches the caller.
  p.stderr.on('data', (d: Buffer) => { process.stderr.write(d); errTail = (errTail + d.toString()).slice(-2000); });
  let onReady!: () => void;
  let onFail!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => { onReady = resolve; onFail = reject; });
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready\n')) onReady(); });
  const report = new Promise<RoleReport>((resolve, reject) => {
    p.on('exit', (code) => {
      const line = out.split('\n').reverse().find((l) => l.startsWith('{'));
      const err = new Error(`bench role ${role} exited ${code}: ${out.slice(-2000)}${errTail}`);
      onFail(err);
      if (code !== 0 || !line) reject(err);
      else resolve(JSON.parse(line) as RoleReport);
    });
  });
  ready.catch(() => undefined);
  return { ready, report, kill: () => void p.kill('SIGKILL') };
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Percentile (nearest rank) of a non-empty list. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

/** A unique queue name for one run. */
export function uniqueQueue(what: string): string {
  return `/queue/bench.${what}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
}

/** `n` with `digits` decimals, right-aligned in `width`. */
export function fmt(n: number, digits = 1, width = 0): string {
  return (Number.isFinite(n) ? n.toFixed(digits) : '–').padStart(width);
}

/** A 1 MiB-or-larger source block: 64 KiB of random bytes repeated (hashing cannot shortcut it). */
export function sourceBlock(size: number): Uint8Array {
  const block = new Uint8Array(size);
  const seed = Math.min(65536, size);
  crypto.getRandomValues(block.subarray(0, seed));
  for (let o = seed; o < size; o += seed) block.copyWithin(o, 0, Math.min(seed, size - o));
  return block;
}
