/**
 * docs/bench-chart.svg from the benchmark results: left, throughput per endpoint (stream,
 * raw session, stompjs; medians); right, the chunk-size × window sweep as one line per chunk
 * size. Plain SVG, no dependencies.
 */
import type { BenchResults } from './results.js';

const W = 980;
const H = 420;
const COLORS = ['#2563eb', '#9ca3af', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;
}

/** Horizontal grid lines and labels for 0..max on a panel. */
function axis(x0: number, y0: number, w: number, h: number, max: number, label: string): string {
  const step = niceStep(max);
  const out: string[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) {
    const y = y0 + h - (v / max) * h;
    out.push(`<line x1="${x0}" x2="${x0 + w}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(text(x0 - 6, y + 4, String(Math.round(v)), 'text-anchor="end" font-size="11" fill="#6b7280"'));
  }
  out.push(text(x0 - 40, y0 + h / 2, label, `font-size="12" fill="#374151" transform="rotate(-90 ${x0 - 40} ${y0 + h / 2})" text-anchor="middle"`));
  return out.join('');
}

function niceStep(max: number): number {
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
}

function throughputPanel(r: BenchResults, x0: number, y0: number, w: number, h: number): string {
  const rows = r.throughput;
  if (rows.length === 0) return text(x0, y0 + 20, 'no throughput data');
  const max = Math.max(...rows.flatMap((t) => [t.stream, t.raw, t.stompjs])) * 1.1;
  const series = [['stream', 'stream layer'], ['raw', 'raw session'], ['stompjs', '@stomp/stompjs']] as const;
  const group = w / rows.length;
  const bar = (group * 0.7) / series.length;
  const out = [axis(x0, y0, w, h, max, 'MiB/s (median)'), text(x0, y0 - 14, `Throughput, ${r.config.bytes / 2 ** 20} MiB per run`, 'font-size="14" font-weight="600"')];
  rows.forEach((t, i) => {
    series.forEach(([key], j) => {
      const v = t[key];
      const bh = (v / max) * h;
      const x = x0 + i * group + group * 0.15 + j * bar;
      out.push(`<rect x="${x.toFixed(1)}" y="${(y0 + h - bh).toFixed(1)}" width="${(bar - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${COLORS[j]}"/>`);
      out.push(text(x + bar / 2 - 1, y0 + h - bh - 3, v.toFixed(0), 'text-anchor="middle" font-size="10" fill="#374151"'));
    });
    out.push(text(x0 + i * group + group / 2, y0 + h + 16, t.endpoint, 'text-anchor="middle" font-size="12"'));
    out.push(text(x0 + i * group + group / 2, y0 + h + 30, `×${t.streamOverRaw.toFixed(2)} raw`, 'text-anchor="middle" font-size="10" fill="#6b7280"'));
  });
  series.forEach(([, name], j) => {
    out.push(`<rect x="${x0 + j * 120}" y="${y0 + h + 42}" width="10" height="10" fill="${COLORS[j]}"/>`);
    out.push(text(x0 + j * 120 + 14, y0 + h + 51, name, 'font-size="11"'));
  });
  return out.join('');
}

function sweepPanel(r: BenchResults, x0: number, y0: number, w: number, h: number): string {
  const endpoint = r.sweep.find((p) => p.endpoint === 'rabbitmq/tcp')?.endpoint ?? r.sweep[0]?.endpoint;
  const pts = r.sweep.filter((p) => p.endpoint === endpoint && p.kind === 'grid' && Number.isFinite(p.rate));
  if (pts.length === 0) return text(x0, y0 + 20, 'no sweep data');
  const windows = [...new Set(pts.map((p) => p.window))].sort((a, b) => a - b);
  const chunks = [...new Set(pts.map((p) => p.chunkSize))].sort((a, b) => a - b);
  const max = Math.max(...pts.map((p) => p.rate)) * 1.1;
  const xOf = (win: number) => x0 + (windows.indexOf(win) / Math.max(1, windows.length - 1)) * w;
  const out = [axis(x0, y0, w, h, max, 'MiB/s'), text(x0, y0 - 14, `Sweep on ${endpoint}: window × chunk size`, 'font-size="14" font-weight="600"')];
  windows.forEach((win) => out.push(text(xOf(win), y0 + h + 16, String(win), 'text-anchor="middle" font-size="11"')));
  out.push(text(x0 + w / 2, y0 + h + 32, 'window (fragments; producer receipts = consumer prefetch)', 'text-anchor="middle" font-size="11" fill="#6b7280"'));
  chunks.forEach((c, j) => {
    const line = windows.map((win) => pts.find((p) => p.chunkSize === c && p.window === win)).filter((p) => p !== undefined);
    const d = line.map((p, k) => `${k ? 'L' : 'M'}${xOf(p.window).toFixed(1)},${(y0 + h - (p.rate / max) * h).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${COLORS[j % COLORS.length]}" stroke-width="2"/>`);
    out.push(`<rect x="${x0 + j * 90}" y="${y0 + h + 42}" width="10" height="10" fill="${COLORS[j % COLORS.length]}"/>`);
    out.push(text(x0 + j * 90 + 14, y0 + h + 51, `${c / 1024} KiB`, 'font-size="11"'));
  });
  return out.join('');
}

/** The whole chart as an SVG document. */
export function renderChart(r: BenchResults): string {
  const m = r.machine;
  const caption = `${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}, ${m.date.slice(0, 10)}; brokers on loopback`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    throughputPanel(r, 70, 50, 380, 270),
    sweepPanel(r, 570, 50, 380, 270),
    text(W / 2, H - 8, caption, 'text-anchor="middle" font-size="11" fill="#6b7280"'),
    '</svg>',
    '',
  ].join('\n');
}
