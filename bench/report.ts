/**
 * Markdown tables from a benchmark results file (for README.md and docs/performance.md):
 *
 *   node --import tsx bench/report.ts [docs/bench-results.json]
 */
import { readFileSync } from 'node:fs';
import type { BenchResults } from './support/results.js';

const MiB = 1024 * 1024;
const r = JSON.parse(readFileSync(process.argv[2] ?? 'docs/bench-results.json', 'utf8')) as BenchResults;
const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const out: string[] = [];
const table = (head: string[], rows: (string | number)[][]) => {
  out.push(`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`), '');
};

out.push(`Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, Node ${r.machine.node}, ${r.machine.date.slice(0, 10)}; brokers on loopback.`, '');
if (r.throughput.length) {
  out.push(`Throughput, ${r.config.bytes / MiB} MiB per run, medians of ${r.config.rounds} interleaved rounds (MiB/s):`, '');
  table(['endpoint', 'stream', 'raw session', '@stomp/stompjs', 'stream/raw', 'stream/stompjs', 'CPU s/GiB producer / consumer / broker'],
    r.throughput.map((t) => [t.endpoint, f(t.stream), f(t.raw), f(t.stompjs), f(t.streamOverRaw, 2), f(t.streamOverStompjs, 2),
      `${f(t.cpuSecondsPerGiB.producer, 2)} / ${f(t.cpuSecondsPerGiB.consumer, 2)} / ${f(t.cpuSecondsPerGiB.broker, 2)} (raw: broker ${f(t.cpuSecondsPerGiB.rawBroker, 2)})`]));
}
if (r.memory.length) {
  out.push('Memory (peak RSS of each process; broker: ActiveMQ heap used / RabbitMQ mem_used, then the broker process RSS):', '');
  table(['endpoint', 'stream', 'MiB/s', 'producer RSS', 'consumer RSS', 'broker mem base → peak', 'broker RSS base → peak'],
    r.memory.map((m) => [m.endpoint, `${f(m.bytes / MiB, 0)} MiB`, f(m.rate), `${f(m.producerRssMiB, 0)} MiB`, `${f(m.consumerRssMiB, 0)} MiB`,
      `${f(m.broker.baselineMiB, 0)} → ${f(m.broker.peakMiB, 0)} MiB`, `${f(m.broker.baselineRssMiB, 0)} → ${f(m.broker.peakRssMiB, 0)} MiB`]));
}
if (r.latency.length) {
  out.push('Time to first byte, live mode (writable() + 1 KiB write → consumer\'s first byte):', '');
  table(['endpoint', 'median', 'p95', 'samples'], r.latency.map((l) => [l.endpoint, `${f(l.medianMs)} ms`, `${f(l.p95Ms)} ms`, l.samplesMs.length]));
}
if (r.cpu) {
  const c = r.cpu;
  out.push(`CPU seconds per GiB on ${c.endpoint}:`, '');
  table(['run', 'producer', 'consumer', 'broker'], [
    ['raw session (no stream layer)', f(c.raw.producer, 2), f(c.raw.consumer, 2), f(c.brokerSecondsPerGiB.raw, 2)],
    ['stream (xxh64 per fragment + chain)', f(c.stream.producer, 2), f(c.stream.consumer, 2), f(c.brokerSecondsPerGiB.stream, 2)],
    ['stream + whole-stream SHA-256', f(c.streamSha256.producer, 2), f(c.streamSha256.consumer, 2), f(c.brokerSecondsPerGiB.streamSha256, 2)],
  ]);
  out.push(`Hashing alone, in one process: xxh64 per fragment ${f(c.hashSecondsPerGiB.xxh64PerFragment, 3)} s/GiB, SHA-256 ${f(c.hashSecondsPerGiB.sha256, 3)} s/GiB.`, '');
}
if (r.many.length) {
  out.push('Many streams:', '');
  table(['endpoint', 'streams', 'MiB', 'MiB/s', 'per consumer MiB', 'max/min', 'failed streams'],
    r.many.map((m) => [m.endpoint, `${m.producers} × ${m.streams}, ${m.consumers} consumers`, f(m.bytes / MiB, 0), f(m.rate),
      m.perConsumerBytes.map((b) => f(b / MiB, 0)).join(' / '), f(m.fairness, 2), m.failedStreams || 'none']));
}
if (r.sweep.length) {
  for (const endpoint of [...new Set(r.sweep.map((p) => p.endpoint))]) {
    const pts = r.sweep.filter((p) => p.endpoint === endpoint && p.kind === 'grid');
    const windows = [...new Set(pts.map((p) => p.window))].sort((a, b) => a - b);
    const chunks = [...new Set(pts.map((p) => p.chunkSize))].sort((a, b) => a - b);
    out.push(`Sweep on ${endpoint} (MiB/s, one run per point; window = producer receipts = consumer prefetch):`, '');
    table(['chunk \\ window', ...windows.map(String)], chunks.map((c) => [`${c / 1024} KiB`,
      ...windows.map((w) => { const p = pts.find((x) => x.chunkSize === c && x.window === w); return p?.error ?? f(p?.rate ?? NaN, 0); })]));
    const pw = r.sweep.filter((p) => p.endpoint === endpoint && p.kind === 'producerWindow');
    if (pw.length) {
      out.push(`Producer receipt window on ${endpoint} (chunk ${(pw[0]?.chunkSize ?? 0) / 1024} KiB, consumer window ${pw[0]?.window}): `
        + pw.map((p) => `${p.producerWindow} → ${p.error ?? f(p.rate, 0)}`).join(', ') + ' MiB/s.', '');
    }
  }
}
console.log(out.join('\n'));
