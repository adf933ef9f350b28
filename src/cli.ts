#!/usr/bin/env node
/**
 * The `stomp-streams` command line.
 *
 *   stomp-streams send <file|-> --url <broker> --to <dest> [--name N] [--chunk-size B] [--delivery live|complete] [--retain]
 *   stomp-streams receive --url <broker> --from <dest> --out <dir|-> [--count N] [--recovery resume|restart|discard]
 *                         [--idle-timeout ms] [--management <http url>]
 *
 * Credentials: --login/--passcode or STOMP_STREAMS_LOGIN / STOMP_STREAMS_PASSCODE; the URL may
 * also come from STOMP_STREAMS_URL. Exit codes: 0 success, 1 a stream failed (integrity,
 * abort, broker error), 2 usage error, 3 cannot connect.
 * @module
 */
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open as openFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import {
  connect, ConnectionError, ErrorCode, InvalidOptionError, StompStreamsError, type IncomingStream, type StreamInfo, type StreamSession,
} from './index.js';
import { Progress, formatBytes } from './cli/progress.js';
import { safeFileName } from './cli/safe-name.js';

const USAGE = `usage:
  stomp-streams send <file|-> --url <broker> --to <destination> [--name <name>] [--chunk-size <bytes>] [--delivery live|complete] [--retain]
  stomp-streams receive --url <broker> --from <destination> --out <dir|-> [--count <n>] [--recovery resume|restart|discard]
                        [--idle-timeout <ms>] [--management <http url>]
  --retain keeps the fragments for a restart (RabbitMQ stream queues); --recovery restart needs --management (RabbitMQ's HTTP API)
options: --login <user> --passcode <pass> (or STOMP_STREAMS_LOGIN / STOMP_STREAMS_PASSCODE), --url from STOMP_STREAMS_URL
exit codes: 0 ok, 1 stream failed, 2 usage, 3 cannot connect`;

class UsageError extends Error {}

const OPTIONS = {
  url: { type: 'string' }, to: { type: 'string' }, from: { type: 'string' }, out: { type: 'string' },
  name: { type: 'string' }, 'chunk-size': { type: 'string' }, delivery: { type: 'string' }, count: { type: 'string' },
  login: { type: 'string' }, passcode: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  recovery: { type: 'string' }, 'idle-timeout': { type: 'string' }, retain: { type: 'boolean' }, management: { type: 'string' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

async function main(argv: string[]): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return parsed.values.help ? 0 : 2;
  }
  if (command === 'send') return send(rest, parsed.values);
  if (command === 'receive') return receive(rest, parsed.values);
  throw new UsageError(`unknown command "${command}"`);
}

async function open(values: Values): Promise<StreamSession> {
  const url = values.url ?? process.env['STOMP_STREAMS_URL'];
  if (!url) throw new UsageError('--url is required (or STOMP_STREAMS_URL)');
  return connect(url, {
    login: values.login ?? process.env['STOMP_STREAMS_LOGIN'],
    passcode: values.passcode ?? process.env['STOMP_STREAMS_PASSCODE'],
    management: values.management === undefined ? undefined : { url: values.management },
    onWarning: (w) => process.stderr.write(`warning: ${w.message}\n`),
  });
}

function intOption(values: Values, name: 'chunk-size' | 'count' | 'idle-timeout'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(raw)) throw new UsageError(`--${name} must be a positive integer, got "${raw}"`);
  return Number(raw);
}

async function send(positionals: string[], values: Values): Promise<number> {
  const [file, extra] = positionals;
  if (!file || extra !== undefined) throw new UsageError('send takes exactly one <file|->');
  if (!values.to) throw new UsageError('--to <destination> is required');
  const delivery = values.delivery ?? 'live';
  if (delivery !== 'live' && delivery !== 'complete') throw new UsageError('--delivery must be live or complete');
  const size = file === '-' ? undefined : (await stat(file)).size;
  const name = values.name ?? (file === '-' ? 'stdin' : basename(file));
  const session = await open(values);
  try {
    const source = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 });
    const progress = new Progress(process.stderr, `send ${name}`, size);
    const w = session.writable(values.to, { name, size, delivery, chunkSize: intOption(values, 'chunk-size'), digest: 'sha256', retain: values.retain ?? false });
    const counting = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) { progress.update(w.stats().bytesWritten + chunk.byteLength); c.enqueue(chunk); },
    });
    await (Readable.toWeb(source) as ReadableStream<Uint8Array>).pipeThrough(counting).pipeTo(w);
    const r = await w.receipt;
    progress.done();
    process.stdout.write(`sent ${name} ${r.bytes} bytes (${formatBytes(r.bytes)}) in ${progress.elapsed.toFixed(2)} s, ${(r.bytes / 1048576 / progress.elapsed).toFixed(1)} MiB/s, sha256 ${r.sha256} id ${r.id}\n`);
    return 0;
  } finally {
    await session.close();
  }
}

async function receive(positionals: string[], values: Values): Promise<number> {
  if (positionals.length > 0) throw new UsageError('receive takes no positional arguments');
  if (!values.from) throw new UsageError('--from <destination> is required');
  if (!values.out) throw new UsageError('--out <dir|-> is required');
  const count = intOption(values, 'count');
  if (values.out !== '-') await mkdir(values.out, { recursive: true });
  const session = await open(values);
  const out = values.out;
  const discarded: Promise<void>[] = [];
  let failures = 0;
  let n = 0;
  try {
    const recovery = values.recovery ?? 'resume';
    if (recovery !== 'resume' && recovery !== 'discard' && recovery !== 'restart') throw new UsageError('--recovery must be resume, restart or discard');
    const it = session.streams(values.from, {
      digest: 'sha256', commit: 'manual', onRedelivery: recovery, idleTimeout: intOption(values, 'idle-timeout'),
      onDiscard: (info) => discarded.push(forgetPartial(out, info)),
    });
    for await (const incoming of it) {
      const ok = await receiveOne(incoming, out);
      if (!ok) failures++;
      if (count !== undefined && ++n >= count) break;
    }
  } finally {
    await Promise.all(discarded);
    await session.close();
  }
  return failures > 0 ? 1 : 0;
}

/** A discarded stream is never resumed: its partial file (left by the receiver that died) goes. */
async function forgetPartial(out: string, info: StreamInfo): Promise<void> {
  process.stderr.write(`discarded ${info.name} (${info.id}): its previous receiver failed\n`);
  if (out !== '-') await rm(join(out, `.${info.id}.partial`), { force: true });
}

async function receiveOne(incoming: IncomingStream, out: string): Promise<boolean> {
  const progress = new Progress(process.stderr, `receive ${incoming.info.name}`, incoming.info.size);
  try {
    const line = out === '-' ? await receiveToStdout(incoming, progress) : await receiveToFile(incoming, out, progress);
    progress.done();
    process.stderr.write(`${line}\n`);
    return true;
  } catch (err) {
    progress.done();
    process.stderr.write(`failed ${incoming.info.name} (${incoming.info.id}): ${describeError(err)}\n`);
    return false;
  }
}

async function receiveToStdout(incoming: IncomingStream, progress: Progress): Promise<string> {
  const sink = Writable.toWeb(process.stdout) as WritableStream<Uint8Array>;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) { progress.update(incoming.stats().bytesDelivered); c.enqueue(chunk); },
  });
  await incoming.readable.pipeThrough(counter).pipeTo(sink, { preventClose: true });
  const r = await incoming.result;
  incoming.commit(r.length); // written: the stream is finished
  return `received ${incoming.info.name} ${r.bytes} bytes in ${progress.elapsed.toFixed(2)} s, sha256 ${r.sha256 ?? 'n/a'} verified`;
}

/**
 * Writes to `<out>/.<stream id>.partial`, committing each fragment only once its bytes are
 * written, so a receiver killed at any point leaves a partial file that another receiver
 * (any process, same directory) continues from `info.offset`. Renamed when verified.
 */
async function receiveToFile(incoming: IncomingStream, out: string, progress: Progress): Promise<string> {
  const { info } = incoming;
  const partial = join(out, `.${info.id}.partial`);
  const fh = await openPartial(partial, info.offset, info.name).catch(async (err: unknown) => {
    await incoming.readable.cancel(err); // nobody else can resume it: drain it so the next stream can come
    throw err;
  });
  let pos = info.offset;
  const sink = new WritableStream<Uint8Array>({
    async write(chunk) {
      await fh.write(chunk, 0, chunk.byteLength, pos);
      pos += chunk.byteLength;
      incoming.commit(pos);
      progress.update(pos - info.offset);
    },
    close: () => fh.close(),
    abort: () => fh.close(),
  });
  try {
    await incoming.readable.pipeTo(sink);
  } catch (err) {
    if (!(err instanceof ConnectionError)) await rm(partial, { force: true }); // kept only for a resume
    throw err;
  }
  const r = await incoming.result;
  const sha256 = r.sha256 ?? (await fileSha256(partial));
  if (r.producerSha256 && sha256 !== r.producerSha256) {
    throw new StompStreamsError(ErrorCode.HashMismatch, `file SHA-256 ${sha256} differs from the producer's ${r.producerSha256}`);
  }
  const target = await targetPath(out, info.name, info.id);
  await rename(partial, target);
  // Only now is the stream finished on the broker: a receiver killed before this line leaves
  // the end uncommitted, and the next receiver finishes the partial file instead of losing it.
  incoming.commit(r.length);
  const resumed = info.offset > 0 ? `, resumed at byte ${info.offset}` : '';
  return `received ${info.name} ${r.length} bytes (${formatBytes(r.length)}) -> ${target} in ${progress.elapsed.toFixed(2)} s, ${progress.rate.toFixed(1)} MiB/s${resumed}, sha256 ${sha256} verified`;
}

async function openPartial(path: string, offset: number, name: string): Promise<FileHandle> {
  if (offset === 0) return openFile(path, 'w');
  const fh = await openFile(path, 'r+').catch(() => {
    throw new StompStreamsError(ErrorCode.Gap, `cannot resume ${JSON.stringify(name)} at byte ${offset}: no partial file ${path} here (the failed receiver used another directory, or renamed the finished file just before it died)`);
  });
  const { size } = await fh.stat();
  if (size < offset) {
    await fh.close();
    throw new StompStreamsError(ErrorCode.Gap, `cannot resume ${JSON.stringify(name)}: ${path} has ${size} bytes, the stream continues at ${offset}`);
  }
  await fh.truncate(offset);
  return fh;
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `<dir>/<safe name>`, made unique with the stream id if the name is taken. */
async function targetPath(dir: string, name: string, id: string): Promise<string> {
  const safe = safeFileName(name, id);
  const first = join(dir, safe);
  const taken = await stat(first).then(() => true, () => false);
  return taken ? join(dir, `${safe}.${id.slice(0, 8)}`) : first;
}

function describeError(err: unknown): string {
  if (err instanceof StompStreamsError) {
    const cause = err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
    return `${err.code}: ${err.message}${cause}`;
  }
  return err instanceof Error ? err.message : String(err);
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  if (err instanceof UsageError || err instanceof InvalidOptionError) {
    process.stderr.write(`stomp-streams: ${err.message}\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (err instanceof ConnectionError || (err instanceof StompStreamsError && err.code === 'ERR_BROKER')) {
    process.stderr.write(`stomp-streams: cannot connect: ${describeError(err)}\n`);
    process.exitCode = 3;
  } else {
    process.stderr.write(`stomp-streams: ${describeError(err)}\n`);
    process.exitCode = 1;
  }
});
