/**
 * The real broker endpoints started by `scripts/brokers.sh up` (ports in README.md).
 * Integration tests run against every entry; none of them is a mock.
 */
import type { ConnectOptions } from '../../src/index.js';

export interface Endpoint {
  /** Short name used in test titles. */
  name: string;
  broker: 'activemq' | 'rabbitmq';
  transport: 'tcp' | 'ws';
  url: string;
  options: ConnectOptions;
}

const credentials = { login: 'guest', passcode: 'guest' };

/** ActiveMQ over TCP and over websockify; RabbitMQ over TCP and Web-STOMP (binary frames). */
export const endpoints: Endpoint[] = [
  { name: 'activemq/tcp', broker: 'activemq', transport: 'tcp', url: 'tcp://127.0.0.1:61613', options: { ...credentials } },
  // websockify in front of ActiveMQ's STOMP port; the default subprotocol offer ('binary' first) suits it.
  { name: 'activemq/ws', broker: 'activemq', transport: 'ws', url: 'ws://127.0.0.1:61614', options: { ...credentials } },
  { name: 'rabbitmq/tcp', broker: 'rabbitmq', transport: 'tcp', url: 'tcp://127.0.0.1:61623', options: { ...credentials } },
  { name: 'rabbitmq/ws', broker: 'rabbitmq', transport: 'ws', url: 'ws://127.0.0.1:15674/ws', options: { ...credentials } },
];

/** RabbitMQ Web-STOMP with `web_stomp.ws_frame = text`: a real text-only endpoint. */
export const textOnlyEndpoint: Endpoint = {
  name: 'rabbitmq-text/ws', broker: 'rabbitmq', transport: 'ws', url: 'ws://127.0.0.1:15675/ws', options: { ...credentials, textOnly: true },
};

/** A destination name no other test (or earlier run) uses. */
export function uniqueQueue(prefix: string): string {
  return `/queue/test.${prefix}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
}

/** Deterministic pseudo-random bytes (xorshift), so failures can be reproduced. */
export function randomBytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i += 4) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 255;
    if (i + 1 < n) out[i + 1] = (x >>> 8) & 255;
    if (i + 2 < n) out[i + 2] = (x >>> 16) & 255;
    if (i + 3 < n) out[i + 3] = (x >>> 24) & 255;
  }
  return out;
}

/** Concatenates everything a ReadableStream yields. */
export async function collect(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of readable as unknown as AsyncIterable<Uint8Array>) {
    parts.push(chunk.slice());
    total += chunk.byteLength;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.byteLength; }
  return out;
}

/** Byte-exact comparison that reports the first differing offset instead of dumping arrays. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
