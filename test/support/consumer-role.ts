/**
 * A consumer *process* for the many-streams kill -9 suite (test/reliability/many-with-kills.test.ts).
 * It takes streams one at a time from a destination and stores each as `<dir>/<name>`, resumable
 * the way `stomp-streams receive` is: bytes go to `<dir>/<name>.partial`, each fragment is
 * committed once written, the end is committed only after the rename. It reads slowly
 * (`msPerChunk`), so that the suite's kills land mid-stream. One JSON line per event on stdout
 * (synchronous on a pipe, so a line that was printed happened before any kill):
 *
 *   {"e":"open","name":…,"offset":…,"redelivered":…,"fragments":…,"maxOpen":…}   a stream was handed to us
 *   {"e":"reopened","name":…}   resuming a stream whose file we had renamed just before a kill
 *   {"e":"done","name":…,"offset":…,"maxOpen":…,"reordered":…}      stored, renamed, end committed
 *   {"e":"failed","name":…,"code":…,"message":…}
 *
 *   node --import tsx test/support/consumer-role.ts <url> <destination> <dir> <msPerChunk>
 */
import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type IncomingStream } from '../../src/index.js';

const [url = '', destination = '', dir = '', delay = '0'] = process.argv.slice(2);
const msPerChunk = Number(delay);

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/**
 * The partial file to continue at `offset`. A stream killed after its rename but before its end
 * commit reached the broker comes back with its file already final: names are unique in the
 * suite, so take the final file back (the CLI cannot assume that and reports an error instead).
 */
async function openAt(name: string, offset: number): Promise<FileHandle> {
  const partial = join(dir, `${name}.partial`);
  if (offset === 0) return open(partial, 'w');
  const hasPartial = await stat(partial).then(() => true, () => false);
  if (!hasPartial) {
    await rename(join(dir, name), partial);
    emit({ e: 'reopened', name });
  }
  const fh = await open(partial, 'r+');
  const { size } = await fh.stat();
  if (size < offset) throw new Error(`${partial} has ${size} bytes, the stream continues at ${offset}`);
  await fh.truncate(offset);
  return fh;
}

async function store(s: IncomingStream): Promise<void> {
  const { name, offset } = s.info;
  const fh = await openAt(name, offset);
  let pos = offset;
  try {
    for await (const chunk of s.readable as unknown as AsyncIterable<Uint8Array>) {
      if (msPerChunk > 0) await new Promise((r) => setTimeout(r, msPerChunk));
      await fh.write(chunk, 0, chunk.byteLength, pos);
      pos += chunk.byteLength;
      s.commit(pos);
    }
  } finally {
    await fh.close();
  }
  const r = await s.result;
  await rename(join(dir, `${name}.partial`), join(dir, name));
  s.commit(r.length);
}

const session = await connect(url, { login: 'guest', passcode: 'guest' });
const streams = session.streams(destination, { idleTimeout: 10_000, commit: 'manual' });
for await (const s of streams) {
  const { name, offset, redelivered } = s.info;
  emit({ e: 'open', name, offset, redelivered, fragments: s.info.fragmentDestination, maxOpen: streams.maxOpen });
  try {
    await store(s);
    emit({ e: 'done', name, offset, maxOpen: streams.maxOpen, reordered: s.stats().reordered });
  } catch (err) {
    emit({ e: 'failed', name, offset, redelivered, fragments: s.info.fragmentDestination, code: (err as { code?: string }).code, message: (err as Error).message });
    if (!s.readable.locked) await s.readable.cancel(err).catch(() => undefined); // drained, so the next stream can come
  }
}
