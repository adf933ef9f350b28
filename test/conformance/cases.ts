/**
 * The conformance suite: one set of test bodies, run unchanged on Node 20, Node 24, Deno, Bun
 * and Chromium against the real brokers. It uses only the package's public API (the built
 * `dist/` files), plain `fetch`-era web APIs and no test framework, so every runtime can load it.
 *
 * Each runner passes in the library module and the endpoints its runtime can reach.
 */
import type * as Lib from '../../src/index.js';

type StreamsLib = typeof Lib;

export interface ConformanceEndpoint {
  name: string;
  url: string;
  broker: 'activemq' | 'rabbitmq';
}

export interface ConformanceEnv {
  runtime: string;
  endpoints: ConformanceEndpoint[];
  /** Size of the big round trip (run on the first endpoint only). */
  bigBytes: number;
}

export interface ConformanceCase {
  name: string;
  run(): Promise<void>;
}

const credentials = { login: 'guest', passcode: 'guest' };
const CHUNK = 64 * 1024;

class CheckError extends Error {}

function check(ok: boolean, what: string): void {
  if (!ok) throw new CheckError(what);
}

function queue(runtime: string, what: string): string {
  return `/queue/conformance.${runtime}.${what}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
}

/** Deterministic bytes (xorshift32), generated in pieces so that big streams need no big buffer. */
class Bytes {
  #x: number;
  constructor(seed: number) { this.#x = seed >>> 0 || 1; }
  next(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if ((i & 3) === 0) { this.#x ^= this.#x << 13; this.#x ^= this.#x >>> 17; this.#x ^= this.#x << 5; this.#x >>>= 0; }
      out[i] = (this.#x >>> ((i & 3) * 8)) & 255;
    }
    return out;
  }
}

/** A source of `total` deterministic bytes in 1 MiB pieces. */
function source(total: number, seed: number): ReadableStream<Uint8Array> {
  const gen = new Bytes(seed);
  let left = total;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (left === 0) return c.close();
      const n = Math.min(left, 1024 * 1024);
      left -= n;
      c.enqueue(gen.next(n));
    },
  }, { highWaterMark: 0 });
}

/** Reads a readable and compares it with the same deterministic bytes; returns the byte count. */
async function expectBytes(readable: ReadableStream<Uint8Array>, total: number, seed: number): Promise<void> {
  const gen = new Bytes(seed);
  let pos = 0;
  const reader = readable.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    const want = gen.next(r.value.byteLength);
    for (let i = 0; i < want.length; i++) check(r.value[i] === want[i], `byte ${pos + i} differs`);
    pos += r.value.byteLength;
  }
  check(pos === total, `received ${pos} bytes, expected ${total}`);
}

async function roundTrip(lib: StreamsLib, env: ConformanceEnv, ep: ConformanceEndpoint, size: number, seed: number): Promise<void> {
  const producer = await lib.connect(ep.url, credentials);
  const consumer = await lib.connect(ep.url, credentials);
  try {
    const q = queue(env.runtime, `rt${size}`);
    const receiving = consumer.receive(q);
    const sending = producer.send(q, source(size, seed), { chunkSize: CHUNK, name: `rt-${size}` });
    const incoming = await receiving;
    await expectBytes(incoming.readable, size, seed);
    const [result, receipt] = await Promise.all([incoming.result, sending]);
    check(result.length === size && receipt.bytes === size, 'lengths match');
    check(result.chain === receipt.chain, 'chain values match');
  } finally {
    await producer.close();
    await consumer.close();
  }
}

function perEndpoint(lib: StreamsLib, env: ConformanceEnv, ep: ConformanceEndpoint): ConformanceCase[] {
  return [
    {
      name: `connect ${ep.name}`,
      run: async () => {
        const s = await lib.connect(ep.url, credentials);
        try {
          check(s.stomp.profile.name === ep.broker, `broker profile ${s.stomp.profile.name}, expected ${ep.broker}`);
          check(s.stomp.textOnly === false, 'binary endpoint taken for text-only');
        } finally {
          await s.close();
        }
      },
    },
    {
      name: `round trips 0, 1, chunkSize-1, chunkSize+1 bytes ${ep.name}`,
      run: async () => {
        for (const size of [0, 1, CHUNK - 1, CHUNK + 1]) await roundTrip(lib, env, ep, size, size + 7);
      },
    },
    { name: `backpressure windows held ${ep.name}`, run: () => backpressure(lib, env, ep) },
    { name: `corrupted fragment rejected with its typed error ${ep.name}`, run: () => corrupted(lib, env, ep) },
    { name: `abort reaches the consumer with its reason ${ep.name}`, run: () => abortReaches(lib, env, ep) },
    { name: `one stream at a time with two producers ${ep.name}`, run: () => oneAtATime(lib, env, ep) },
  ];
}

async function backpressure(lib: StreamsLib, env: ConformanceEnv, ep: ConformanceEndpoint): Promise<void> {
  const producer = await lib.connect(ep.url, credentials);
  const consumer = await lib.connect(ep.url, credentials);
  try {
    const q = queue(env.runtime, 'bp');
    const size = 48 * 16 * 1024;
    const receiving = consumer.receive(q, { window: 3 });
    const w = producer.writable(q, { chunkSize: 16 * 1024, window: 4 });
    const piping = source(size, 3).pipeTo(w);
    const incoming = await receiving;
    await new Promise((r) => setTimeout(r, 300)); // a slow reader: the windows must hold
    await expectBytes(incoming.readable, size, 3);
    await piping;
    check(w.stats().maxUnreceiptedFragments <= 4, `producer had ${w.stats().maxUnreceiptedFragments} fragments unreceipted (window 4)`);
    check(incoming.stats().maxHeldFragments <= 3, `consumer held ${incoming.stats().maxHeldFragments} fragments (window 3)`);
  } finally {
    await producer.close();
    await consumer.close();
  }
}

/**
 * A transport wrapper that flips one body byte of the SEND frame carrying fragment 1, after
 * the producer hashed it: what a corrupting network or broker would do.
 */
function corruptingTransport(lib: StreamsLib, url: string): Lib.TransportConnector {
  const { connector } = lib.connectorFor(url);
  const marker = new TextEncoder().encode('\nss-seq:1\n');
  return async (u, handlers, options) => {
    const t = await connector(u, handlers, options);
    const data = new TextEncoder().encode('ss-type:data');
    return {
      send(bytes: Uint8Array) {
        if (bytes.length > 1000 && indexOf(bytes, marker) >= 0 && indexOf(bytes, data) >= 0) {
          const copy = bytes.slice();
          copy[copy.length - 2] = (copy[copy.length - 2] as number) ^ 0xff; // last body byte (before NUL)
          return t.send(copy);
        }
        return t.send(bytes);
      },
      get bufferedAmount() { return t.bufferedAmount; },
      get textOnly() { return t.textOnly; },
      close: () => t.close(),
      destroy: () => t.destroy(),
    };
  };
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= Math.min(hay.length, 4096); i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

async function corrupted(lib: StreamsLib, env: ConformanceEnv, ep: ConformanceEndpoint): Promise<void> {
  const producer = await lib.connect(ep.url, { ...credentials, transport: corruptingTransport(lib, ep.url) });
  const consumer = await lib.connect(ep.url, credentials);
  try {
    const q = queue(env.runtime, 'corrupt');
    await producer.send(q, source(4 * 16 * 1024, 5), { chunkSize: 16 * 1024, delivery: 'complete' });
    const incoming = await consumer.receive(q);
    const reader = incoming.readable.getReader();
    let delivered = 0;
    let error: unknown;
    try {
      for (;;) { const r = await reader.read(); if (r.done) break; delivered += r.value.byteLength; }
    } catch (err) {
      error = err;
    }
    check(error instanceof lib.IntegrityError, `expected an IntegrityError, got ${String(error)}`);
    check((error as Lib.IntegrityError).code === lib.ErrorCode.HashMismatch, `expected ERR_HASH_MISMATCH, got ${(error as Lib.IntegrityError).code}`);
    // Nothing past the last verified byte: at most fragment 0 (whether the application got to
    // read it before the error depends on timing; the error's offset says what was verified).
    check(delivered === 0 || delivered === 16 * 1024, `delivered ${delivered} bytes; only fragment 0 (16384) was intact`);
    check((error as Lib.IntegrityError).offset === 16 * 1024, `error offset ${(error as Lib.IntegrityError).offset}, expected 16384`);
  } finally {
    await producer.close();
    await consumer.close();
  }
}

async function abortReaches(lib: StreamsLib, env: ConformanceEnv, ep: ConformanceEndpoint): Promise<void> {
  const producer = await lib.connect(ep.url, credentials);
  const consumer = await lib.connect(ep.url, credentials);
  try {
    const q = queue(env.runtime, 'abort');
    const w = producer.writable(q, { chunkSize: 16 * 1024 });
    const writer = w.getWriter();
    await writer.write(new Bytes(9).next(40_000));
    const incoming = await consumer.receive(q);
    await writer.abort(new Error('user pressed cancel'));
    let error: unknown;
    try {
      for await (const _ of incoming.readable as unknown as AsyncIterable<Uint8Array>) { /* drain */ }
    } catch (err) {
      error = err;
    }
    check(error instanceof lib.StompStreamsError && error.code === lib.ErrorCode.StreamAborted, `expected ERR_STREAM_ABORTED, got ${String(error)}`);
    const cause = (error as Error).cause as { message?: string } | undefined;
    check(cause?.message === 'user pressed cancel', `abort reason not passed on: ${JSON.stringify(cause)}`);
  } finally {
    await producer.close();
    await consumer.close();
  }
}

async function oneAtATime(lib: StreamsLib, env: ConformanceEnv, ep: ConformanceEndpoint): Promise<void> {
  const a = await lib.connect(ep.url, credentials);
  const b = await lib.connect(ep.url, credentials);
  const consumer = await lib.connect(ep.url, credentials);
  try {
    const q = queue(env.runtime, 'one');
    const size = 20 * 16 * 1024;
    const sending = Promise.all([
      a.send(q, source(size, 11), { chunkSize: 16 * 1024, name: 'a' }),
      b.send(q, source(size, 12), { chunkSize: 16 * 1024, name: 'b' }),
    ]);
    const it = consumer.streams(q);
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await it.next();
      const s = r.value as Lib.IncomingStream;
      names.push(s.info.name);
      await expectBytes(s.readable, size, s.info.name === 'a' ? 11 : 12);
    }
    await sending;
    check(it.maxOpen === 1, `consumer had ${it.maxOpen} streams open at once`);
    check(names.sort().join() === 'a,b', `got streams ${names.join()}`);
    await it.return?.();
  } finally {
    await a.close();
    await b.close();
    await consumer.close();
  }
}

/** Every case for this runtime: the per-endpoint ones, plus the big round trip on the first endpoint. */
export function conformanceCases(lib: StreamsLib, env: ConformanceEnv): ConformanceCase[] {
  const cases = env.endpoints.flatMap((ep) => perEndpoint(lib, env, ep));
  const first = env.endpoints[0];
  if (first) {
    const mib = env.bigBytes / 2 ** 20;
    cases.push({ name: `round trip ${mib} MiB ${first.name}`, run: () => roundTrip(lib, env, first, env.bigBytes, 64) });
  }
  return cases;
}

/** Runs the cases in order; `log` gets one line per case and a final summary line. */
export async function runConformance(cases: ConformanceCase[], runtime: string, log: (line: string) => void): Promise<{ passed: number; failed: number }> {
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    const t0 = Date.now();
    try {
      await c.run();
      passed++;
      log(`ok   ${c.name} (${Date.now() - t0} ms)`);
    } catch (err) {
      failed++;
      log(`FAIL ${c.name}: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
  log(`conformance ${runtime}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}
