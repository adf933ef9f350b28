/**
 * The benchmark suite (`npm run bench`). Sections, each printed as it finishes and written to
 * one JSON file (default docs/bench-results.json) plus an SVG chart (docs/bench-chart.svg):
 *
 * - throughput: one stream per endpoint through the public API, against (a) the raw limit —
 *   the package's own session moving the same fragment sizes as plain persistent messages —
 *   and (b) @stomp/stompjs doing the same naive chunked transfer. Rounds interleaved
 *   (stream, raw, stompjs, stream, raw, stompjs …), medians reported, ratios stream/raw and
 *   stream/stompjs.
 * - sweep: chunk size × window (producer receipt window = consumer prefetch), then the
 *   producer receipt window alone.
 * - memory: producer and consumer peak RSS for 100 MiB and 1 GiB streams (10 GiB with
 *   `--big`), broker memory (ActiveMQ heap, RabbitMQ mem_used) beside it.
 * - latency: time to first byte in live mode.
 * - cpu: CPU seconds per GiB for producer and consumer, and the share spent hashing.
 * - many: 16 producers × 20 streams of 1–20 MiB, 4 consumers: throughput and fairness.
 *
 * Producer and consumer always run in separate processes (bench/roles.ts). Nothing here
 * asserts a speed; it fails only if a transfer is not byte-exact or a process fails.
 *
 *   npm run bench -- [--quick] [--big] [--sections throughput,sweep,memory,latency,cpu,many]
 *                    [--bytes N] [--rounds N] [--endpoints activemq/tcp,...] [--out file.json]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { createSHA256, createXXHash64 } from 'hash-wasm';
import { profileFor } from '../src/index.js';
import { BrokerMemorySampler, brokerCpuSeconds, type BrokerMemory } from './support/broker-memory.js';
import { renderChart } from './support/chart.js';
import { ENDPOINTS, GiB, MiB, fmt, median, percentile, runRole, uniqueQueue, type RoleReport } from './support/harness.js';
import type { BenchResults, ManyResult, MemoryResult, SweepPoint, ThroughputResult } from './support/results.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' }, big: { type: 'boolean' }, sections: { type: 'string' }, bytes: { type: 'string' },
    rounds: { type: 'string' }, endpoints: { type: 'string' }, out: { type: 'string' }, chart: { type: 'string' }, merge: { type: 'boolean' },
  },
});
const quick = values.quick ?? false;
const BYTES = Number(values.bytes ?? (quick ? 64 * MiB : GiB));
const ROUNDS = Number(values.rounds ?? (quick ? 1 : 2));
const SECTIONS = new Set((values.sections ?? 'throughput,sweep,memory,latency,cpu,many').split(','));
const ALL_ENDPOINTS = Object.keys(ENDPOINTS);
const NAMES = values.endpoints ? values.endpoints.split(',') : ALL_ENDPOINTS;
const TCP = NAMES.filter((n) => n.endsWith('/tcp'));
const OUT = values.out ?? (quick ? 'test-output/bench-quick.json' : 'docs/bench-results.json');
const CHART = values.chart ?? OUT.replace(/\.json$/, '.svg').replace('bench-results', 'bench-chart');
const DEFAULT_WINDOW = 8;

/** The fragment size a stream gets on this endpoint's broker when the producer does not choose (1 MiB RabbitMQ, 256 KiB ActiveMQ). */
function chunkOf(endpoint: string): number {
  return profileFor(ENDPOINTS[endpoint]!.broker).defaultChunkSize;
}

type Kind = 'stream' | 'raw' | 'stompjs';

/** One transfer: consumer process first (subscribed), then the producer; checks the byte count. */
interface Transfer { rate: number; producer: RoleReport; consumer: RoleReport; brokerCpu: number }
interface CpuSample { producer: number; consumer: number; broker: number }

/** CPU seconds per GiB of one transfer, for each process and the broker. */
function cpuPerGiB(t: Transfer, bytes: number): CpuSample {
  const g = bytes / GiB;
  return { producer: t.producer.cpuSeconds / g, consumer: t.consumer.cpuSeconds / g, broker: t.brokerCpu / g };
}

/** Field-wise medians of CPU samples. */
function medianCpu(xs: CpuSample[]): CpuSample {
  return { producer: median(xs.map((x) => x.producer)), consumer: median(xs.map((x) => x.consumer)), broker: median(xs.map((x) => x.broker)) };
}

async function transfer(kind: Kind, endpoint: string, bytes: number, chunkSize: number, window: number, extra: Record<string, unknown> = {}): Promise<Transfer> {
  const q = uniqueQueue(kind);
  const args = { endpoint, q, bytes, chunkSize, window, ...extra, ...(kind === 'stream' ? {} : { impl: kind === 'raw' ? 'own' : 'stompjs' }) };
  const role = kind === 'stream' ? 'stream' : 'raw';
  const c = runRole(`${role}-consume`, args);
  await c.ready;
  const broker = ENDPOINTS[endpoint]!.broker;
  const cpu0 = brokerCpuSeconds(broker);
  const p = runRole(`${role}-produce`, args);
  // A failed consumer leaves the producer blocked by broker flow control: end both.
  const [producer, consumer] = await Promise.all([p.report, c.report]).catch((err: unknown) => {
    p.kill();
    c.kill();
    throw err;
  });
  if (consumer.bytes !== bytes) throw new Error(`${kind} on ${endpoint}: consumer got ${consumer.bytes} of ${bytes} bytes`);
  return { rate: bytes / MiB / ((consumer.end - producer.start) / 1000), producer, consumer, brokerCpu: brokerCpuSeconds(broker) - cpu0 };
}

async function throughput(results: BenchResults): Promise<void> {
  console.log(`\n## throughput: ${BYTES / MiB} MiB per run, each broker's default chunk (RabbitMQ 1 MiB, ActiveMQ 256 KiB), window ${DEFAULT_WINDOW}, ${ROUNDS} interleaved rounds, medians`);
  console.log('endpoint       stream MiB/s  raw MiB/s  stompjs MiB/s  stream/raw  stream/stompjs');
  for (const endpoint of NAMES) {
    const rates: Record<Kind, number[]> = { stream: [], raw: [], stompjs: [] };
    const cpu: Record<Kind, CpuSample[]> = { stream: [], raw: [], stompjs: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of ['stream', 'raw', 'stompjs'] as const) {
        const t = await transfer(kind, endpoint, BYTES, chunkOf(endpoint), DEFAULT_WINDOW);
        rates[kind].push(t.rate);
        cpu[kind].push(cpuPerGiB(t, BYTES));
      }
    }
    const streamCpu = medianCpu(cpu.stream);
    const m = { stream: median(rates.stream), raw: median(rates.raw), stompjs: median(rates.stompjs) };
    const row: ThroughputResult = {
      endpoint, runs: rates, stream: m.stream, raw: m.raw, stompjs: m.stompjs, streamOverRaw: m.stream / m.raw, streamOverStompjs: m.stream / m.stompjs,
      cpuSecondsPerGiB: { ...streamCpu, rawBroker: medianCpu(cpu.raw).broker },
    };
    results.throughput.push(row);
    console.log(`${endpoint.padEnd(14)} ${fmt(m.stream, 1, 12)} ${fmt(m.raw, 1, 10)} ${fmt(m.stompjs, 1, 14)} ${fmt(row.streamOverRaw, 2, 11)} ${fmt(row.streamOverStompjs, 2, 15)}`);
  }
}

async function sweep(results: BenchResults): Promise<void> {
  const bytes = quick ? 16 * MiB : Math.min(BYTES, 256 * MiB);
  const chunks = quick ? [64 * 1024, 256 * 1024] : [64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];
  const windows = quick ? [1, 8] : [1, 4, 8, 16, 32, 64];
  const producerWindows = quick ? [4] : [1, 2, 4, 8, 16, 32, 64];
  console.log(`\n## sweep: ${bytes / MiB} MiB per point, MiB/s (one run per point)`);
  for (const endpoint of TCP) {
    console.log(`${endpoint}: chunk \\ window ${windows.map((w) => String(w).padStart(6)).join('')}`);
    for (const chunkSize of chunks) {
      const line: string[] = [];
      for (const window of windows) {
        // A point may fail (ActiveMQ 5.17, 4 MiB fragments with deep windows: ERR_GAP, see docs/brokers.md): record it, go on.
        const point = await sweepPoint(transfer('stream', endpoint, bytes, chunkSize, window));
        results.sweep.push({ kind: 'grid', endpoint, chunkSize, window, producerWindow: window, ...point });
        line.push('error' in point ? '  fail' : fmt(point.rate, 0, 6));
      }
      console.log(`${`${chunkSize / 1024} KiB`.padStart(22)} ${line.join('')}`);
    }
    const line: string[] = [];
    for (const pw of producerWindows) {
      const point = await sweepPoint(transfer('stream', endpoint, bytes, chunkOf(endpoint), DEFAULT_WINDOW, { producerWindow: pw }));
      results.sweep.push({ kind: 'producerWindow', endpoint, chunkSize: chunkOf(endpoint), window: DEFAULT_WINDOW, producerWindow: pw, ...point } satisfies SweepPoint);
      line.push(`${pw}: ${'error' in point ? point.error : fmt(point.rate, 0)}`);
    }
    console.log(`${endpoint}: producer receipt window (consumer window ${DEFAULT_WINDOW}, chunk ${chunkOf(endpoint) / 1024} KiB) → ${line.join(', ')}`);
  }
}

/** A sweep point's rate, or the error code it failed with (recorded, and the sweep goes on). */
async function sweepPoint(run: Promise<{ rate: number }>): Promise<{ rate: number } | { rate: number; error: string }> {
  return run.then(
    ({ rate }) => ({ rate }),
    (err: unknown) => ({ rate: Number.NaN, error: /ERR_[A-Z_]+/.exec(String(err))?.[0] ?? 'failed' }),
  );
}

async function memory(results: BenchResults): Promise<void> {
  const sizes = quick ? [16 * MiB, 64 * MiB] : [100 * MiB, GiB, ...(values.big ? [10 * GiB] : [])];
  console.log(`\n## memory: peak RSS per process, broker memory during the run (ActiveMQ heap used / RabbitMQ mem_used, and broker RSS)`);
  console.log('endpoint       size        MiB/s  producer RSS  consumer RSS  broker mem (base→peak)  broker RSS (base→peak)');
  for (const endpoint of TCP) {
    for (const size of sizes) {
      const sampler = new BrokerMemorySampler(ENDPOINTS[endpoint]!.broker);
      await sampler.start();
      const t = await transfer('stream', endpoint, size, chunkOf(endpoint), DEFAULT_WINDOW);
      const broker: BrokerMemory = sampler.stop();
      const row: MemoryResult = { endpoint, bytes: size, rate: t.rate, producerRssMiB: t.producer.maxRssMiB, consumerRssMiB: t.consumer.maxRssMiB, broker };
      results.memory.push(row);
      console.log(`${endpoint.padEnd(14)} ${`${fmt(size / MiB, 0)} MiB`.padEnd(10)} ${fmt(t.rate, 1, 6)} ${fmt(row.producerRssMiB, 0, 13)} ${fmt(row.consumerRssMiB, 0, 13)}`
        + `  ${`${fmt(broker.baselineMiB, 0)}→${fmt(broker.peakMiB, 0)} MiB`.padStart(22)}  ${`${fmt(broker.baselineRssMiB, 0)}→${fmt(broker.peakRssMiB, 0)} MiB`.padStart(22)}`);
    }
    const rows = results.memory.filter((r) => r.endpoint === endpoint);
    const first = rows[0]!;
    const last = rows.at(-1)!;
    console.log(`${endpoint}: RSS growth ${fmt(first.bytes / MiB, 0)} MiB → ${fmt(last.bytes / MiB, 0)} MiB: producer ${fmt(last.producerRssMiB - first.producerRssMiB, 1)} MiB, consumer ${fmt(last.consumerRssMiB - first.consumerRssMiB, 1)} MiB`);
  }
}

async function latency(results: BenchResults): Promise<void> {
  const samples = quick ? 3 : 20;
  console.log(`\n## latency: live mode, time from writable() + a 1 KiB write to the consumer's first byte (${samples} samples)`);
  for (const endpoint of NAMES) {
    const r = await runRole('ttfb', { endpoint, samples, writeSize: 1024 }).report;
    const ms = r.extra?.['ttfbMs'] as number[];
    results.latency.push({ endpoint, samplesMs: ms, medianMs: median(ms), p95Ms: percentile(ms, 95) });
    console.log(`${endpoint.padEnd(14)} median ${fmt(median(ms), 1)} ms, p95 ${fmt(percentile(ms, 95), 1)} ms`);
  }
}

/** CPU of hashing 1 GiB in this process, as seconds per GiB. */
async function hashCost(create: () => Promise<{ init(): unknown; update(b: Uint8Array): unknown; digest(): unknown }>, perFragment: boolean): Promise<number> {
  const h = await create();
  const block = new Uint8Array(256 * 1024).map((_, i) => (i * 131) & 255);
  const total = quick ? 64 * MiB : GiB;
  const cpu0 = process.cpuUsage();
  h.init();
  for (let done = 0; done < total; done += block.byteLength) {
    if (perFragment) h.init();
    h.update(block);
    if (perFragment) h.digest();
  }
  if (!perFragment) h.digest();
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1e6 / (total / GiB);
}

async function cpu(results: BenchResults): Promise<void> {
  const endpoint = TCP.includes('rabbitmq/tcp') ? 'rabbitmq/tcp' : TCP[0]!;
  const bytes = Math.min(BYTES, GiB);
  console.log(`\n## cpu: CPU seconds per GiB on ${endpoint} (${bytes / MiB} MiB, medians of ${ROUNDS} interleaved rounds), and the cost of hashing`);
  const runs = { plain: [] as CpuSample[], sha: [] as CpuSample[], raw: [] as CpuSample[] };
  for (let r = 0; r < ROUNDS; r++) {
    runs.plain.push(cpuPerGiB(await transfer('stream', endpoint, bytes, chunkOf(endpoint), DEFAULT_WINDOW), bytes));
    runs.sha.push(cpuPerGiB(await transfer('stream', endpoint, bytes, chunkOf(endpoint), DEFAULT_WINDOW, { digest: true }), bytes));
    runs.raw.push(cpuPerGiB(await transfer('raw', endpoint, bytes, chunkOf(endpoint), DEFAULT_WINDOW), bytes));
  }
  const [plain, sha256, raw] = [medianCpu(runs.plain), medianCpu(runs.sha), medianCpu(runs.raw)];
  const xxh = await hashCost(createXXHash64, true);
  const sha = await hashCost(createSHA256, false);
  const row = {
    endpoint,
    stream: { producer: plain.producer, consumer: plain.consumer },
    streamSha256: { producer: sha256.producer, consumer: sha256.consumer },
    raw: { producer: raw.producer, consumer: raw.consumer },
    hashSecondsPerGiB: { xxh64PerFragment: xxh, sha256: sha },
    brokerSecondsPerGiB: { raw: raw.broker, stream: plain.broker, streamSha256: sha256.broker },
  };
  results.cpu = row;
  const share = (h: number, total: number) => `${fmt((100 * h) / total, 1)} %`;
  const b = row.brokerSecondsPerGiB;
  console.log(`                      producer s/GiB  consumer s/GiB  broker s/GiB`);
  console.log(`raw session           ${fmt(row.raw.producer, 2, 14)}  ${fmt(row.raw.consumer, 2, 14)}  ${fmt(b.raw, 2, 12)}`);
  console.log(`stream (xxh64)        ${fmt(row.stream.producer, 2, 14)}  ${fmt(row.stream.consumer, 2, 14)}  ${fmt(b.stream, 2, 12)}`);
  console.log(`stream + sha256       ${fmt(row.streamSha256.producer, 2, 14)}  ${fmt(row.streamSha256.consumer, 2, 14)}  ${fmt(b.streamSha256, 2, 12)}`);
  console.log(`hashing alone: xxh64 per fragment ${fmt(xxh, 3)} s/GiB (${share(xxh, row.stream.consumer)} of the consumer's CPU), `
    + `sha256 ${fmt(sha, 3)} s/GiB (${share(xxh + sha, row.streamSha256.consumer)} with it)`);
}

async function many(results: BenchResults): Promise<void> {
  const a = quick
    ? { producers: 4, streams: 2, minBytes: MiB, maxBytes: 2 * MiB, consumers: 2 }
    : { producers: 16, streams: 20, minBytes: MiB, maxBytes: 20 * MiB, consumers: 4 };
  console.log(`\n## many streams: ${a.producers} producers × ${a.streams} streams of ${a.minBytes / MiB}–${a.maxBytes / MiB} MiB, ${a.consumers} consumers (one process each side)`);
  for (const endpoint of TCP) {
    const args = { ...a, endpoint, q: uniqueQueue('many'), chunkSize: chunkOf(endpoint) };
    const c = runRole('many-consume', args);
    await c.ready;
    const prod = runRole('many-produce', args);
    const done = await withinLimit(Promise.all([prod.report, c.report]), MANY_LIMIT_MS);
    if (!done) {
      prod.kill();
      c.kill();
      const stalled = `stalled: not finished after ${MANY_LIMIT_MS / 60_000} min`;
      results.many.push({ endpoint, ...a, bytes: 0, rate: 0, perConsumerBytes: [], perConsumerStreams: [], fairness: Number.NaN, failedStreams: stalled });
      console.log(`${endpoint.padEnd(14)} ${stalled} (both sides stopped)`);
      continue;
    }
    const [p, r] = done;
    const failed = String(r.extra?.['failed'] ?? '');
    if (!failed && r.bytes !== p.bytes) throw new Error(`many on ${endpoint}: consumers got ${r.bytes} of ${p.bytes} bytes`);
    const per = r.extra?.['perConsumer'] as number[];
    const row: ManyResult = {
      endpoint, ...a, bytes: r.bytes, rate: r.bytes / MiB / ((r.end - p.start) / 1000),
      perConsumerBytes: per, perConsumerStreams: r.extra?.['perConsumerStreams'] as number[], fairness: Math.max(...per) / Math.min(...per),
      failedStreams: failed,
    };
    results.many.push(row);
    console.log(`${endpoint.padEnd(14)} ${fmt(row.bytes / MiB, 0)} MiB at ${fmt(row.rate, 1)} MiB/s; per consumer MiB ${per.map((b) => fmt(b / MiB, 0)).join(' / ')}; max/min ${fmt(row.fairness, 2)}; failed streams: ${failed || 'none'}`);
  }
}

/** How long a many-streams run may take before it counts as stalled (a healthy one takes < 1 min). */
const MANY_LIMIT_MS = 10 * 60_000;

/** `p`'s value, or undefined once `ms` have passed without it. */
async function withinLimit<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), ms); });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
    p.catch(() => undefined); // the killed roles reject later
  }
}

function machine(): BenchResults['machine'] {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / GiB), node: process.version, date: new Date().toISOString() };
}

const fresh: BenchResults = {
  machine: machine(), config: { bytes: BYTES, rounds: ROUNDS, quick, chunkSize: { activemq: chunkOf('activemq/tcp'), rabbitmq: chunkOf('rabbitmq/tcp') }, window: DEFAULT_WINDOW },
  throughput: [], sweep: [], memory: [], latency: [], cpu: undefined, many: [],
};
/** `--merge`: keep the other sections of an earlier results file, replace the ones run now. */
const results: BenchResults = values.merge && existsSync(OUT) ? { ...(JSON.parse(readFileSync(OUT, 'utf8')) as BenchResults) } : fresh;
for (const name of SECTIONS) {
  if (name === 'cpu') results.cpu = undefined;
  else if (name in fresh) (results as unknown as Record<string, unknown[]>)[name] = [];
}
console.log(`stomp-streams benchmarks on ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memGiB} GiB, Node ${results.machine.node}`);
const sections: [string, (r: BenchResults) => Promise<void>][] = [
  // Many streams first, on a fresh broker: after the other sections ActiveMQ 5.17.2 has its
  // 64 MB memoryUsage full ("cursor blocked, no space available to page in messages") and
  // 16 concurrent streams stall; see docs/brokers.md.
  ['many', many], ['throughput', throughput], ['sweep', sweep], ['memory', memory], ['latency', latency], ['cpu', cpu],
];
for (const [name, fn] of sections) {
  if (!SECTIONS.has(name)) continue;
  await fn(results);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
}
writeFileSync(CHART, renderChart(results));
console.log(`\nresults: ${OUT}, chart: ${CHART}`);
process.exit(0);
