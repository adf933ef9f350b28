/**
 * Broker memory during a benchmark run, sampled every 500 ms:
 * - ActiveMQ: heap used (`jstat -gc <pid> 500`, one JVM attached for the whole run) and the
 *   Java process's resident set;
 * - RabbitMQ: the node's own `mem_used` from the management API and the Erlang VM's resident set.
 * Pids come from the files scripts/brokers.sh writes under brokers/run/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MiB } from './harness.js';

const RUN = fileURLToPath(new URL('../../brokers/run/', import.meta.url));

/** Peak figures of one broker over one sampling window. */
export interface BrokerMemory {
  broker: 'activemq' | 'rabbitmq';
  /** ActiveMQ heap used, or RabbitMQ `mem_used`, MiB: before the run and at its peak. */
  baselineMiB: number;
  peakMiB: number;
  /** Resident set of the broker process, MiB. */
  baselineRssMiB: number;
  peakRssMiB: number;
}

function pidOf(broker: 'activemq' | 'rabbitmq'): number | undefined {
  try {
    return Number(readFileSync(`${RUN}${broker}/pid`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function rabbitMemUsed(): Promise<number> {
  try {
    const res = await fetch('http://127.0.0.1:15672/api/nodes?columns=mem_used', {
      headers: { authorization: `Basic ${btoa('guest:guest')}` },
      signal: AbortSignal.timeout(400),
    });
    const nodes = (await res.json()) as { mem_used: number }[];
    return (nodes[0]?.mem_used ?? NaN) / MiB;
  } catch {
    return NaN;
  }
}

/** Heap used from one `jstat -gc` line: S0U + S1U + EU + OU (KiB). */
function heapFromJstat(line: string, header: string[]): number {
  const cols = line.trim().split(/\s+/).map(Number);
  const at = (name: string) => cols[header.indexOf(name)] ?? NaN;
  return (at('S0U') + at('S1U') + at('EU') + at('OU')) / 1024;
}

/** Samples one broker until {@link stop}. */
export class BrokerMemorySampler {
  readonly broker: 'activemq' | 'rabbitmq';
  #pid: number | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #jstat: ChildProcess | undefined;
  #mem: number[] = [];
  #rss: number[] = [];

  constructor(broker: 'activemq' | 'rabbitmq') {
    this.broker = broker;
    this.#pid = pidOf(broker);
  }

  /** Takes the baseline and starts sampling. */
  async start(): Promise<void> {
    this.#rss.push(rssMiB(this.#pid));
    if (this.broker === 'rabbitmq') {
      this.#mem.push(await rabbitMemUsed());
      this.#timer = setInterval(() => { void rabbitMemUsed().then((m) => this.#mem.push(m)); this.#rss.push(rssMiB(this.#pid)); }, 500);
    } else {
      this.#startJstat();
      this.#timer = setInterval(() => this.#rss.push(rssMiB(this.#pid)), 500);
    }
  }

  #startJstat(): void {
    if (!this.#pid) return;
    let header: string[] = [];
    let buf = '';
    const p = spawn('jstat', ['-gc', String(this.#pid), '500'], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.on('error', () => undefined);
    p.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        if (l.includes('S0C')) header = l.trim().split(/\s+/);
        else if (header.length > 0 && l.trim()) this.#mem.push(heapFromJstat(l, header));
      }
    });
    this.#jstat = p;
  }

  /** Stops sampling and returns baseline and peaks. */
  stop(): BrokerMemory {
    clearInterval(this.#timer);
    this.#jstat?.kill();
    this.#rss.push(rssMiB(this.#pid));
    const finite = (xs: number[]) => xs.filter(Number.isFinite);
    const mem = finite(this.#mem);
    const rss = finite(this.#rss);
    return {
      broker: this.broker,
      baselineMiB: mem[0] ?? NaN,
      peakMiB: mem.length ? Math.max(...mem) : NaN,
      baselineRssMiB: rss[0] ?? NaN,
      peakRssMiB: rss.length ? Math.max(...rss) : NaN,
    };
  }
}

/** CPU seconds (user + system) the broker process has used so far; NaN when unknown. */
export function brokerCpuSeconds(broker: 'activemq' | 'rabbitmq'): number {
  const pid = pidOf(broker);
  if (!pid) return NaN;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
