/**
 * The processes of the benchmark suite. `bench/run.ts` starts each as
 * `node --import tsx bench/roles.ts <role> '<json args>'`; a consumer prints `ready` once it is
 * subscribed, and every role prints one JSON {@link RoleReport} line last.
 *
 * - `stream-produce` / `stream-consume`: one stream through the public API, per-fragment
 *   hashing and chain verification on (the package as users run it).
 * - `raw-produce` / `raw-consume`: the same fragment sizes and windows as plain persistent
 *   messages through a bare session — the package's own (`impl: 'own'`) or @stomp/stompjs
 *   through the adapter (`impl: 'stompjs'`): no hashing, no announcement, no stream layer.
 * - `ttfb`: producer and consumer in one process; time from `writable()` + first small write
 *   to the consumer's first byte, repeated.
 * - `many-produce` / `many-consume`: many producers and consumers sharing one destination.
 */
import { Client } from '@stomp/stompjs';
import WebSocket from 'ws';
import { connect, fromStompJs, openStompSession, type StompSession, type StreamSession } from '../src/index.js';
import { tcpStompSocket } from './support/tcp-stomp-socket.js';
import { ENDPOINTS, MiB, finishReport, now, sourceBlock, type RoleReport } from './support/harness.js';

const credentials = { login: 'guest', passcode: 'guest' };

interface TransferArgs {
  endpoint: string;
  q: string;
  bytes: number;
  chunkSize: number;
  /** Producer: fragments awaiting a receipt. Consumer: prefetch. */
  window: number;
  /** Producer receipt window when it differs from `window` (sweep). */
  producerWindow?: number;
  digest?: boolean;
  impl?: 'own' | 'stompjs';
}

function urlOf(endpoint: string): string {
  const ep = ENDPOINTS[endpoint];
  if (!ep) throw new Error(`unknown endpoint ${endpoint}; known: ${Object.keys(ENDPOINTS).join(', ')}`);
  return ep.url;
}

async function streamProduce(a: TransferArgs): Promise<RoleReport> {
  const window = a.producerWindow ?? a.window;
  const session = await connect(urlOf(a.endpoint), { ...credentials, maxUnreceipted: Math.max(16, window) });
  const block = sourceBlock(Math.max(MiB, a.chunkSize));
  const cpu0 = process.cpuUsage();
  const start = now();
  const w = session.writable(a.q, { name: 'bench.bin', size: a.bytes, chunkSize: a.chunkSize, window, digest: a.digest ? 'sha256' : undefined });
  const writer = w.getWriter();
  for (let sent = 0; sent < a.bytes; sent += block.byteLength) await writer.write(block.subarray(0, Math.min(block.byteLength, a.bytes - sent)));
  await writer.close();
  const r = await w.receipt;
  const end = now();
  await session.close();
  return finishReport({ role: 'stream-produce', bytes: r.bytes, start, end, extra: { fragments: r.fragments } }, cpu0);
}

async function streamConsume(a: TransferArgs): Promise<RoleReport> {
  const session = await connect(urlOf(a.endpoint), credentials);
  const it = session.streams(a.q, { window: a.window, digest: a.digest ? 'sha256' : undefined });
  process.stdout.write('ready\n');
  const next = await it.next();
  if (next.done) throw new Error('no stream');
  const cpu0 = process.cpuUsage();
  const incoming = next.value;
  let bytes = 0;
  let start = 0;
  await incoming.readable.pipeTo(new WritableStream({
    write(chunk) { if (bytes === 0) start = now(); bytes += chunk.byteLength; },
  }));
  const end = now();
  const result = await incoming.result;
  if (a.digest && result.sha256 !== result.producerSha256) throw new Error('sha256 mismatch');
  await it.return?.();
  await session.close();
  return finishReport({ role: 'stream-consume', bytes, start, end }, cpu0);
}

/** A bare session: the package's own, or @stomp/stompjs through the adapter. */
async function bareSession(impl: 'own' | 'stompjs', endpoint: string, window: number): Promise<StompSession> {
  const url = urlOf(endpoint);
  if (impl === 'own') return openStompSession(url, { ...credentials, maxUnreceipted: window });
  const u = new URL(url);
  const client = new Client({
    webSocketFactory: () => u.protocol === 'tcp:' ? tcpStompSocket(Number(u.port)) : binaryOnlyWebSocket(url),
    connectHeaders: { ...credentials, host: '/' },
    forceBinaryWSFrames: true,
    reconnectDelay: 0,
    heartbeatIncoming: 10000,
    heartbeatOutgoing: 10000,
  });
  client.activate();
  return fromStompJs(client, { maxUnreceipted: window });
}

/**
 * stompjs sends heart-beats as text frames even with `forceBinaryWSFrames`; websockify (binary
 * only) closes the connection on the first one (code 1003). Send every string as binary.
 */
function binaryOnlyWebSocket(url: string): WebSocket {
  const ws = new WebSocket(url, ['binary', 'v12.stomp'], { perMessageDeflate: false });
  const send = ws.send.bind(ws) as (data: unknown) => void;
  (ws as unknown as { send: (data: unknown) => void }).send = (data) => send(typeof data === 'string' ? Buffer.from(data) : data);
  return ws;
}

async function rawProduce(a: TransferArgs): Promise<RoleReport> {
  const window = a.producerWindow ?? a.window;
  const session = await bareSession(a.impl ?? 'own', a.endpoint, window);
  const body = sourceBlock(a.chunkSize);
  const headers = { ...session.profile.persistentHeaders };
  const count = Math.ceil(a.bytes / a.chunkSize);
  const cpu0 = process.cpuUsage();
  const start = now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    if (inflight.length >= window) await inflight.shift();
    const n = Math.min(a.chunkSize, a.bytes - i * a.chunkSize);
    inflight.push(session.send(a.q, n === a.chunkSize ? body : body.subarray(0, n), headers));
  }
  await Promise.all(inflight);
  const end = now();
  await session.disconnect();
  return finishReport({ role: `raw-produce-${a.impl ?? 'own'}`, bytes: a.bytes, start, end }, cpu0);
}

async function rawConsume(a: TransferArgs): Promise<RoleReport> {
  const session = await bareSession(a.impl ?? 'own', a.endpoint, 16);
  let bytes = 0;
  let start = 0;
  let cpu0 = process.cpuUsage();
  const done = new Promise<number>((resolve, reject) => {
    void session.closed.then((err) => reject(err ?? new Error('session closed before the last message')));
    session.subscribe(a.q, (m) => {
      if (bytes === 0) { start = now(); cpu0 = process.cpuUsage(); }
      bytes += m.body.byteLength;
      void session.ack(m).catch(() => undefined);
      if (bytes >= a.bytes) resolve(now());
    }, { prefetch: a.window, prefetchBytes: a.chunkSize });
  });
  // Messages wait in the queue anyway; this only keeps the subscription out of the timing.
  await new Promise((r) => setTimeout(r, 100));
  process.stdout.write('ready\n');
  const end = await done;
  await session.disconnect();
  return finishReport({ role: `raw-consume-${a.impl ?? 'own'}`, bytes, start, end }, cpu0);
}

interface TtfbArgs { endpoint: string; samples: number; writeSize: number }

async function ttfb(a: TtfbArgs): Promise<RoleReport> {
  const url = urlOf(a.endpoint);
  const producer = await connect(url, credentials);
  const consumer = await connect(url, credentials);
  const cpu0 = process.cpuUsage();
  const times: number[] = [];
  const start = now();
  for (let i = 0; i < a.samples; i++) times.push(await oneTtfb(producer, consumer, a.writeSize));
  const end = now();
  await Promise.all([producer.close(), consumer.close()]);
  return finishReport({ role: 'ttfb', bytes: a.samples * a.writeSize, start, end, extra: { ttfbMs: times } }, cpu0);
}

/** One live stream: the consumer already waits; time from `writable()` to its first byte. */
async function oneTtfb(producer: StreamSession, consumer: StreamSession, writeSize: number): Promise<number> {
  const q = `/queue/bench.ttfb.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
  const it = consumer.streams(q, { window: 8 });
  const first = (async () => {
    const n = await it.next();
    if (n.done) throw new Error('no stream');
    const reader = n.value.readable.getReader();
    await reader.read();
    const t = now();
    await reader.cancel();
    return t;
  })();
  await new Promise((r) => setTimeout(r, 200)); // let the announcement subscription settle
  const t0 = now();
  const w = producer.writable(q, { delivery: 'live' });
  const writer = w.getWriter();
  await writer.write(new Uint8Array(writeSize).fill(7));
  const t1 = await first;
  await writer.close();
  await it.return?.();
  return t1 - t0;
}

interface ManyArgs { endpoint: string; q: string; producers: number; streams: number; minBytes: number; maxBytes: number; consumers: number; chunkSize: number }

/** Stream `k` of producer `i`: sizes spread evenly over min..max, the same in both processes. */
function manySize(a: ManyArgs, i: number, k: number): number {
  const n = a.producers * a.streams;
  const j = (i * a.streams + k) * 7919 % n;
  return Math.round(a.minBytes + (a.maxBytes - a.minBytes) * (j / Math.max(1, n - 1)));
}

async function manyProduce(a: ManyArgs): Promise<RoleReport> {
  const url = urlOf(a.endpoint);
  const sessions = await Promise.all(Array.from({ length: a.producers }, () => connect(url, credentials)));
  const block = sourceBlock(a.maxBytes);
  const cpu0 = process.cpuUsage();
  const start = now();
  let bytes = 0;
  await Promise.all(sessions.map(async (s, i) => {
    for (let k = 0; k < a.streams; k++) {
      const size = manySize(a, i, k);
      await s.send(a.q, block.subarray(0, size), { name: `p${i}s${k}`, chunkSize: a.chunkSize });
      bytes += size;
    }
  }));
  const end = now();
  await Promise.all(sessions.map((s) => s.close()));
  return finishReport({ role: 'many-produce', bytes, start, end }, cpu0);
}

async function manyConsume(a: ManyArgs): Promise<RoleReport> {
  const url = urlOf(a.endpoint);
  const total = a.producers * a.streams;
  const sessions = await Promise.all(Array.from({ length: a.consumers }, () => connect(url, credentials)));
  const perConsumer = sessions.map(() => 0);
  const perConsumerStreams = sessions.map(() => 0);
  const failures: Record<string, number> = {};
  let streams = 0;
  let start = 0;
  let cpu0 = process.cpuUsage();
  let finish!: () => void;
  const allDone = new Promise<void>((r) => { finish = r; });
  const its = sessions.map((s) => s.streams(a.q, { window: 8 }));
  process.stdout.write('ready\n');
  await Promise.all(its.map(async (it, c) => {
    for (;;) {
      const next = await Promise.race([it.next(), allDone.then(() => undefined)]);
      if (!next || next.done) return;
      if (start === 0) { start = now(); cpu0 = process.cpuUsage(); }
      // A failed stream is counted by its error code and the consumer goes on, as an application would.
      const ok = await next.value.readable.pipeTo(new WritableStream({ write(chunk) { perConsumer[c]! += chunk.byteLength; } }))
        .then(() => true, (err: unknown) => { const code = (err as { code?: string }).code ?? 'unknown'; failures[code] = (failures[code] ?? 0) + 1; return false; });
      if (ok) perConsumerStreams[c]!++;
      if (++streams === total) finish();
    }
  }));
  const end = now();
  await Promise.all(its.map((it) => it.return?.()));
  await Promise.all(sessions.map((s) => s.close()));
  const bytes = perConsumer.reduce((x, y) => x + y, 0);
  return finishReport({ role: 'many-consume', bytes, start, end, extra: { perConsumer, perConsumerStreams, streams, failed: Object.entries(failures).map(([k, n]) => `${k} ×${n}`).join(', ') } }, cpu0);
}

const roles: Record<string, (args: never) => Promise<RoleReport>> = {
  'stream-produce': streamProduce,
  'stream-consume': streamConsume,
  'raw-produce': rawProduce,
  'raw-consume': rawConsume,
  ttfb,
  'many-produce': manyProduce,
  'many-consume': manyConsume,
};

const [role, json] = process.argv.slice(2);
const fn = roles[role ?? ''];
if (!fn) throw new Error(`unknown role ${role}; known: ${Object.keys(roles).join(', ')}`);
const report = await fn(JSON.parse(json ?? '{}') as never);
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(0);
