/**
 * A producer process for the kill -9 tests: streams pseudo-random bytes slowly to a queue and
 * prints `id <stream id>`, then `sent <bytes>` after each write is accepted, so the test knows when to kill it.
 *
 *   node --import tsx test/support/slow-producer.ts <url> <queue> <live|complete> <ttlMs>
 */
import { connect } from '../../src/index.js';
import { randomBytes } from './endpoints.js';

const [url, queue, delivery, ttl] = process.argv.slice(2) as [string, string, 'live' | 'complete', string];
const session = await connect(url, { login: 'guest', passcode: 'guest' });
const writable = session.writable(queue, { name: 'slow.bin', delivery, ttl: Number(ttl), chunkSize: 64 * 1024, keepalive: 500 });
process.stdout.write(`id ${writable.streamId}\n`);
const writer = writable.getWriter();
const block = randomBytes(64 * 1024, 7);
let sent = 0;
for (;;) {
  await writer.write(block);
  sent += block.byteLength;
  process.stdout.write(`sent ${sent}\n`);
  await new Promise((r) => setTimeout(r, 20));
}
