/**
 * Wire benchmark: the package's own STOMP session against @stomp/stompjs, moving the same
 * bytes as 256 KiB persistent messages through each broker over STOMP/TCP, interleaved
 * (own, stompjs, own, stompjs) in one process. Each run: one producer session and one
 * consumer session, the consumer acknowledging each message (client-individual, prefetch 16),
 * the producer keeping 16 receipts in flight. MiB/s is end to end: first send to last message.
 *
 *   npm run bench:wire -- [--bytes 1073741824] [--rounds 2] [--size 262144]
 *
 * Last line: `own/stompjs <ratio>` with the lower of the brokers' median ratios.
 */
import { parseArgs } from 'node:util';
import { Client } from '@stomp/stompjs';
import { fromStompJs, openStompSession, type StompSession } from '../src/index.js';
import { tcpStompSocket } from './support/tcp-stomp-socket.js';

const { values } = parseArgs({ options: { bytes: { type: 'string' }, rounds: { type: 'string' }, size: { type: 'string' } } });
const BYTES = Number(values.bytes ?? 1024 ** 3);
const ROUNDS = Number(values.rounds ?? 2);
const SIZE = Number(values.size ?? 256 * 1024);
const MiB = 1024 * 1024;

const brokers = [
  { name: 'activemq', port: 61613 },
  { name: 'rabbitmq', port: 61623 },
];

type Opener = (port: number) => Promise<StompSession>;

const own: Opener = (port) => openStompSession(`tcp://127.0.0.1:${port}`, { login: 'guest', passcode: 'guest' });

const stompjs: Opener = async (port) => {
  const client = new Client({
    webSocketFactory: () => tcpStompSocket(port),
    connectHeaders: { login: 'guest', passcode: 'guest', host: '/' },
    reconnectDelay: 0,
    heartbeatIncoming: 10000,
    heartbeatOutgoing: 10000,
  });
  client.activate();
  return fromStompJs(client, { maxUnreceipted: 16 });
};

async function transfer(open: Opener, port: number): Promise<number> {
  const producer = await open(port);
  const consumer = await open(port);
  const q = `/queue/bench.wire.${Date.now()}.${Math.random().toString(36).slice(2)}`;
  const count = Math.ceil(BYTES / SIZE);
  const body = new Uint8Array(SIZE).map((_, i) => (i * 31) & 255);
  let received = 0;
  let bytes = 0;
  const done = new Promise<void>((resolve) => {
    consumer.subscribe(q, (m) => {
      bytes += m.body.byteLength;
      void consumer.ack(m);
      if (++received === count) resolve();
    }, { prefetch: 16 });
  });
  const t0 = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    if (sends.length >= 16) await sends.shift();
    sends.push(producer.send(q, body, { persistent: 'true' }));
  }
  await Promise.all(sends);
  await done;
  const seconds = (performance.now() - t0) / 1000;
  if (bytes !== count * SIZE) throw new Error(`received ${bytes} bytes, expected ${count * SIZE}`);
  await producer.disconnect();
  await consumer.disconnect();
  return bytes / MiB / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

console.log(`wire benchmark: ${(BYTES / MiB).toFixed(0)} MiB per run as ${SIZE / 1024} KiB persistent messages, ${ROUNDS} interleaved rounds, STOMP/TCP`);
const ratios: number[] = [];
for (const b of brokers) {
  const ownRates: number[] = [];
  const jsRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    ownRates.push(await transfer(own, b.port));
    console.log(`  ${b.name} round ${r + 1} own      ${ownRates.at(-1)!.toFixed(1)} MiB/s`);
    jsRates.push(await transfer(stompjs, b.port));
    console.log(`  ${b.name} round ${r + 1} stompjs  ${jsRates.at(-1)!.toFixed(1)} MiB/s`);
  }
  const ratio = median(ownRates) / median(jsRates);
  ratios.push(ratio);
  console.log(`${b.name}: own ${median(ownRates).toFixed(1)} MiB/s, stompjs ${median(jsRates).toFixed(1)} MiB/s, own/stompjs ${ratio.toFixed(2)}`);
}
console.log(`own/stompjs ${Math.min(...ratios).toFixed(2)}`);
process.exit(0);
