/**
 * Options of the stream API, validated once, up front.
 * @module
 */
import { InvalidOptionError } from '../errors.js';
import * as v from '../validate.js';
import type { BodyEncoding, DeliveryMode } from './fragment-codec.js';
import type { FragmentHashAlgorithm } from './stream-hash.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const DAY = 86_400_000;

/**
 * Fragment size for brokers without a better default of their own: 256 KiB. On RabbitMQ the
 * default is 1 MiB (`profile.defaultChunkSize`, chosen from the sweep in docs/performance.md).
 *
 * @example
 * ```ts
 * session.writable('/queue/files', { chunkSize: DEFAULT_CHUNK_SIZE / 4 });
 * ```
 */
export const DEFAULT_CHUNK_SIZE = 256 * KiB;

/**
 * Options of `session.writable()` and `session.send()`.
 *
 * @example
 * ```ts
 * const w = session.writable('/queue/files', { name: 'a.bin', delivery: 'complete', digest: 'sha256' });
 * ```
 */
export interface WritableOptions {
  /** Stream name shown to consumers (e.g. a file name). Default `''`. */
  name?: string;
  /** MIME type. */
  contentType?: string;
  /** Total size, if known up front (consumers see it in `info.size`; the producer checks it at close). */
  size?: number;
  /** Application metadata (string → string). */
  metadata?: Record<string, string>;
  /** Fragment size in bytes (1 KiB – 16 MiB). Default: the broker's (1 MiB on RabbitMQ, 256 KiB elsewhere). */
  chunkSize?: number;
  /** `live` (default): consumers may read while the producer writes. `complete`: announced only once every fragment is on the broker. */
  delivery?: DeliveryMode;
  /** Fragment hash. Default `xxh64`. */
  hash?: FragmentHashAlgorithm;
  /** Also compute SHA-256 of the whole content and send it in the end marker. */
  digest?: 'sha256' | false;
  /** Fragments (and per-stream queues) expire this many ms after sending. Default 24 h. */
  ttl?: number;
  /** Body encoding: `auto` (default) picks base64 on text-only transports, binary otherwise. */
  encoding?: BodyEncoding | 'auto';
  /**
   * Keep the fragments on the broker after they are acknowledged, so that a consumer taking
   * the stream over re-reads it from byte 0 (`onRedelivery: 'restart'`). RabbitMQ only (a
   * stream queue per stream, deleted by the consumer that finishes it, which needs the
   * `management` option of `connect()`); refused elsewhere. Default `false`.
   */
  retain?: boolean;
  /** Most fragments awaiting a broker receipt for this stream. Default 8. */
  window?: number;
  /**
   * Live delivery: while the source is idle, send a keepalive every this many ms so consumers
   * can tell a slow producer from a dead one (0 = never). Default 5000.
   */
  keepalive?: number;
  /**
   * Live delivery: the longest a written byte waits in a partly filled fragment before that
   * fragment is sent anyway, in ms. A source that writes faster still fills whole fragments;
   * a trickling one (a log, a slow upload) reaches consumers within `linger`. 0 sends the
   * rest of every write at once (many small fragments from small writes). Ignored by
   * `complete` delivery. Default 10.
   */
  linger?: number;
  /** Abort the stream (the consumer sees the signal's reason). */
  signal?: AbortSignal;
}

/** Validated writable options. @internal */
export interface ResolvedWritableOptions {
  name: string;
  contentType: string | undefined;
  size: number | undefined;
  metadata: Record<string, string>;
  chunkSize: number;
  delivery: DeliveryMode;
  hash: FragmentHashAlgorithm;
  digest: boolean;
  ttl: number;
  encoding: BodyEncoding | 'auto';
  retain: boolean;
  window: number;
  keepalive: number;
  linger: number;
  signal: AbortSignal | undefined;
}

/** Validates {@link WritableOptions}. @internal */
export function resolveWritableOptions(input: unknown, defaultChunkSize = DEFAULT_CHUNK_SIZE): ResolvedWritableOptions {
  const o = v.optionalObject('options', input) as WritableOptions;
  return {
    name: maxLength('name', v.string('name', o.name, '') as string, 4096),
    contentType: maxLength('contentType', v.string('contentType', o.contentType), 256),
    size: o.size === undefined ? undefined : v.integer('size', o.size, 0, 0, Number.MAX_SAFE_INTEGER),
    metadata: boundedMetadata(v.stringMap('metadata', o.metadata)),
    chunkSize: v.integer('chunkSize', o.chunkSize, defaultChunkSize, KiB, 16 * MiB),
    delivery: v.oneOf<DeliveryMode>('delivery', o.delivery, ['live', 'complete'], 'live'),
    hash: v.oneOf<FragmentHashAlgorithm>('hash', o.hash, ['xxh64', 'xxh3', 'sha256'], 'xxh64'),
    digest: resolveDigest(o.digest),
    ttl: v.integer('ttl', o.ttl, DAY, 1000, 365 * DAY),
    encoding: v.oneOf<BodyEncoding | 'auto'>('encoding', o.encoding, ['auto', 'binary', 'base64'], 'auto'),
    retain: v.boolean('retain', o.retain, false),
    window: v.integer('window', o.window, 8, 1, 1024),
    keepalive: v.integer('keepalive', o.keepalive, 5000, 0, DAY),
    linger: v.integer('linger', o.linger, 10, 0, 60_000),
    signal: v.signal('signal', o.signal),
  };
}

/** The announcement (protocol limit 256 KiB) must fit: name ≤ 4096 chars, type ≤ 256, metadata ≤ 64 KiB. */
function maxLength<T extends string | undefined>(field: string, value: T, max: number): T {
  if (value !== undefined && value.length > max) throw new InvalidOptionError(field, `at most ${max} characters, got ${value.length}`);
  return value;
}

function boundedMetadata(m: Record<string, string>): Record<string, string> {
  const size = new TextEncoder().encode(JSON.stringify(m)).byteLength;
  if (size > 64 * KiB) throw new InvalidOptionError('metadata', `at most 64 KiB as JSON, got ${size} bytes`);
  return m;
}

function resolveDigest(value: unknown): boolean {
  if (value === undefined || value === false) return false;
  if (value === 'sha256') return true;
  throw new InvalidOptionError('digest', `expected "sha256" or false, got ${v.describe(value)}`);
}

/**
 * Options of `session.streams()` and `session.receive()`.
 *
 * @example
 * ```ts
 * for await (const s of session.streams('/queue/files', { window: 16, digest: 'sha256' })) { … }
 * ```
 */
export interface ConsumeOptions {
  /** Fragments the broker may deliver ahead of the application (prefetch). Default 8. */
  window?: number;
  /** Compute SHA-256 of what this consumer received (reported in the result). */
  digest?: 'sha256' | false;
  /** Largest fragment body accepted, bytes. Default 16 MiB. */
  maxChunkSize?: number;
  /**
   * Fail the stream with `ERR_PRODUCER_TIMEOUT` when nothing (no fragment, no keepalive)
   * arrives for this many ms while the consumer is waiting for data (0 = wait forever).
   * Keep it above the producers' `keepalive`. Default 30 000.
   */
  idleTimeout?: number;
  /**
   * What to do with a stream whose previous consumer died (its announcement is redelivered):
   * `resume` (default) continues at the first fragment the dead consumer had not acknowledged
   * (`info.offset`, `info.redelivered`); `discard` drains it unread and reports it through
   * `onDiscard`; `restart` (from byte 0) needs fragments the broker retains and is refused
   * with `ERR_UNSUPPORTED` (see docs/recovery.md).
   */
  onRedelivery?: 'resume' | 'discard' | 'restart';
  /** Called with the info of each stream discarded by `onRedelivery: 'discard'`. */
  onDiscard?: (info: import('./incoming-stream.js').StreamInfo) => void;
  /**
   * With `resume`: how many times a stream may be handed over to a new consumer (each time
   * its previous consumer died or lost its connection) before it is given up as poison: the
   * next consumer's readable errors with `ERR_REDELIVERY_LIMIT` and the rest of the stream is
   * drained. 0 = no limit. Default 10.
   */
  maxRedeliveries?: number;
  /**
   * `auto` (default): a fragment is acknowledged once the application has read past it.
   * `manual`: only when the application calls `incoming.commit(offset)` for an offset at or
   * beyond its end — for sinks with their own commit points. Uncommitted fragments hold broker
   * credit, so commit at least every `window` fragments or the stream stalls.
   */
  commit?: 'auto' | 'manual';
  /** Stop waiting for the next stream (iterator ends) / abort the current one. */
  signal?: AbortSignal;
}

/** Validated consume options. @internal */
export interface ResolvedConsumeOptions {
  window: number;
  digest: boolean;
  maxChunkSize: number;
  idleTimeout: number;
  onRedelivery: 'resume' | 'discard' | 'restart';
  onDiscard: ((info: import('./incoming-stream.js').StreamInfo) => void) | undefined;
  maxRedeliveries: number;
  commit: 'auto' | 'manual';
  signal: AbortSignal | undefined;
}

/** Validates {@link ConsumeOptions}. @internal */
export function resolveConsumeOptions(input: unknown): ResolvedConsumeOptions {
  const o = v.optionalObject('options', input) as ConsumeOptions;
  return {
    window: v.integer('window', o.window, 8, 1, 1024),
    digest: resolveDigest(o.digest),
    maxChunkSize: v.integer('maxChunkSize', o.maxChunkSize, 16 * MiB, KiB, 256 * MiB),
    idleTimeout: v.integer('idleTimeout', o.idleTimeout, 30_000, 0, DAY),
    onRedelivery: v.oneOf('onRedelivery', o.onRedelivery, ['resume', 'discard', 'restart'] as const, 'resume'),
    onDiscard: v.fn('onDiscard', o.onDiscard),
    maxRedeliveries: v.integer('maxRedeliveries', o.maxRedeliveries, 10, 0, 1_000_000),
    commit: v.oneOf('commit', o.commit, ['auto', 'manual'] as const, 'auto'),
    signal: v.signal('signal', o.signal),
  };
}

/** Checks a destination name. @internal */
export function destination(field: string, value: unknown): string {
  const d = v.string(field, value, undefined, true);
  if (d === undefined) throw new InvalidOptionError(field, 'a destination is required');
  if (!d.startsWith('/') || /[\r\n\0]/.test(d)) throw new InvalidOptionError(field, `must start with "/" and contain no CR, LF or NUL: ${v.describe(d)}`);
  return d;
}
