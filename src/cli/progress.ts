/**
 * Progress reporting for the CLI: a redrawn bar on a TTY, nothing between start and end lines
 * otherwise (so logs stay clean).
 * @module
 */

/** Formats a byte count with binary units. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** Formats a duration in seconds as `1h02m03s` / `2m03s` / `4.2s`. */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s` : `${m}m${String(sec).padStart(2, '0')}s`;
}

/** Minimal writable stream shape (process.stderr). */
export interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * A progress line for one transfer.
 *
 * @example
 * ```ts
 * const p = new Progress(process.stderr, 'movie.mp4', 1e9);
 * p.update(5e8); p.done();
 * ```
 */
export class Progress {
  #out: Out;
  #label: string;
  #total: number | undefined;
  #start = performance.now();
  #last = 0;
  #bytes = 0;

  constructor(out: Out, label: string, total: number | undefined) {
    this.#out = out;
    this.#label = label;
    this.#total = total;
  }

  /** Seconds since start. */
  get elapsed(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** MiB/s so far. */
  get rate(): number {
    return this.#bytes / 1048576 / Math.max(this.elapsed, 1e-6);
  }

  /** Records progress; redraws at most 10 times a second on a TTY. */
  update(bytes: number): void {
    this.#bytes = bytes;
    if (!this.#out.isTTY) return;
    const now = performance.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    this.#out.write(`\r${this.#line()}\u001b[K`);
  }

  /** Clears the bar (TTY) so a final line can be printed. */
  done(): void {
    if (this.#out.isTTY) this.#out.write('\r\u001b[K');
  }

  #line(): string {
    const rate = this.rate;
    const t = this.#total;
    const pct = t ? Math.min(100, (this.#bytes / Math.max(t, 1)) * 100) : undefined;
    const eta = t && rate > 0 ? formatDuration((t - this.#bytes) / 1048576 / rate) : '?';
    const width = 24;
    const bar = pct === undefined ? '' : `[${'#'.repeat(Math.round((pct / 100) * width)).padEnd(width, '.')}] ${pct.toFixed(1)}% `;
    return `${this.#label} ${bar}${formatBytes(this.#bytes)}${t ? ` / ${formatBytes(t)}` : ''} ${rate.toFixed(1)} MiB/s ETA ${eta}`;
  }
}
