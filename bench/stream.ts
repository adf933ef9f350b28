/**
 * Stream benchmark: one producer process and one consumer process move N bytes (default
 * 1 GiB) as one stream through each broker endpoint, end to end through the public API
 * (`writable()` → `streams()`), with per-fragment hashing and chain verification on.
 * Each process reports its own peak RSS. MiB/s is from the producer's first write to the
 * consumer's last verified byte (both clocks are this machine's).
 *
 *   npm run bench:stream -- [--bytes 1073741824] [--endpoints activemq/tcp,rabbitmq/tcp] [--chunk-size 262144] [--window 8]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/index.js';

const MiB = 1024 * 1024;
const ENDPOINTS: Record<string, { url: string; protocols?: string[] }> = {
  'activemq/tcp': { url: 'tcp://127.0.0.1:61613' },
  'activemq/ws': { url: 'ws://127.0.0.1:61614' },
  'rabbitmq/tcp': { url: 'tcp://127.0.0.1:61623' },
  'rabbitmq/ws': { url: 'ws://127.0.0.1:15674/ws' },
};

interface Report { role: string; bytes: number; start: number; end: number; maxRssMiB: number; sha256?: string }

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function produce(name: string, q: string, bytes: number, chunkSize: number, window: number): Promise<Report> {
  const ep = ENDPOINTS[name]!;
  const session = await connect(ep.url, { login: 'guest', passcode: 'guest', protocols: ep.protocols, maxUnreceipted: Math.max(16, window) });
  const block = new Uint8Array(MiB);
  crypto.getRandomValues(block.subarray(0, 65536));
  for (let o = 65536; o < MiB; o += 65536) block.copyWithin(o, 0, 65536);
  const start = Date.now();
  const w = session.writable(q, { name: 'bench.bin', size: bytes, chunkSize, window });
  const writer = w.getWriter();
  for (let sent = 0; sent < bytes; sent += MiB) await writer.write(block.subarray(0, Math.min(MiB, bytes - sent)));
  await writer.close();
  const r = await w.receipt;
  await session.close();
  return { role: 'producer', bytes: r.bytes, start, end: Date.now(), maxRssMiB: peakRssMiB() };
}

async function consume(name: string, q: string, window: number): Promise<Report> {
  const ep = ENDPOINTS[name]!;
  const session = await connect(ep.url, { login: 'guest', passcode: 'guest', protocols: ep.protocols });
  process.stdout.write('ready\n');
  const incoming = await session.receive(q, { window });
  let bytes = 0;
  const start = Date.now();
  await incoming.readable.pipeTo(new WritableStream({ write(chunk) { bytes += chunk.byteLength; } }));
  const end = Date.now();
  await incoming.result;
  await session.close();
  return { role: 'consumer', bytes, start, end, maxRssMiB: peakRssMiB() };
}

function child(args: string[]): { ready: Promise<void>; report: Promise<Report> } {
  const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => { readyResolve = r; });
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready\n')) readyResolve(); });
  const report = new Promise<Report>((resolve, reject) => {
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) reject(new Error(`${args[0]} exited ${code}: ${out}`));
      else resolve(JSON.parse(line) as Report);
    });
  });
  return { ready, report };
}

async function main(): Promise<void> {
  const [role, name, q, bytesArg, chunkArg, windowArg] = process.argv.slice(2);
  if (role === 'produce') return void console.log(JSON.stringify(await produce(name!, q!, Number(bytesArg), Number(chunkArg), Number(windowArg))));
  if (role === 'consume') return void console.log(JSON.stringify(await consume(name!, q!, Number(bytesArg))));
  const { values } = parseArgs({ options: { bytes: { type: 'string' }, endpoints: { type: 'string' }, 'chunk-size': { type: 'string' }, window: { type: 'string' } } });
  const bytes = Number(values.bytes ?? 1024 ** 3);
  const chunk = Number(values['chunk-size'] ?? 256 * 1024);
  const window = Number(values.window ?? 8);
  const names = (values.endpoints ?? 'activemq/tcp,rabbitmq/tcp,rabbitmq/ws,activemq/ws').split(',');
  console.log(`stream benchmark: ${(bytes / MiB).toFixed(0)} MiB, chunk ${chunk / 1024} KiB, window ${window}, one producer and one consumer process`);
  console.log('endpoint        MiB/s   producer RSS MiB   consumer RSS MiB');
  for (const name of names) {
    const q = `/queue/bench.stream.${Date.now()}.${Math.random().toString(36).slice(2)}`;
    const c = child(['consume', name, q, String(window)]);
    await c.ready;
    const p = child(['produce', name, q, String(bytes), String(chunk), String(window)]);
    const [pr, cr] = await Promise.all([p.report, c.report]);
    if (cr.bytes !== bytes) throw new Error(`${name}: consumer got ${cr.bytes} of ${bytes} bytes`);
    const rate = bytes / MiB / ((cr.end - pr.start) / 1000);
    console.log(`${name.padEnd(14)} ${rate.toFixed(1).padStart(6)}   ${pr.maxRssMiB.toFixed(0).padStart(16)}   ${cr.maxRssMiB.toFixed(0).padStart(16)}`);
  }
}

await main();
