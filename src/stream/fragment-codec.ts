/**
 * The stream protocol's messages (protocol version 1; docs/protocol.md is the normative text).
 *
 * Design: a stream is one *announcement* on the shared destination plus a run of messages on a
 * per-stream *fragment destination*: `data` fragments (seq 0..n-1), then exactly one `end`
 * (seq n) — or an `abort` in its place; `keepalive` messages (carrying the next seq) may come
 * between data fragments in live delivery. Everything the consumer needs to route and verify a
 * message is in `ss-*` headers with canonical decimal integers and lower-case hex hashes;
 * free-form text (names, metadata, abort reasons) travels as JSON in message bodies, so no
 * broker ever has to carry arbitrary strings in headers. Every decoder here is strict: a
 * missing, malformed or out-of-range header is an {@link IntegrityError} with code
 * `ERR_PROTOCOL` naming the header, raised before anything reaches the application.
 * @module
 */
import { ErrorCode, IntegrityError } from '../errors.js';
import type { FrameHeaders } from '../stomp/frame.js';
import type { SendHeaders } from '../stomp/session-types.js';
import { isFragmentHashAlgorithm, type FragmentHashAlgorithm } from './stream-hash.js';

/**
 * Protocol version written in `ss-v`.
 *
 * @example
 * ```ts
 * console.log(`stomp-streams wire protocol v${PROTOCOL_VERSION}`);
 * ```
 */
export const PROTOCOL_VERSION = 1;

/** Largest announcement body accepted (bytes). */
export const MAX_ANNOUNCEMENT_BYTES = 256 * 1024;

/**
 * How fragment bodies are carried.
 *
 * @example
 * ```ts
 * session.writable('/queue/files', { encoding: 'base64' satisfies BodyEncoding });
 * ```
 */
export type BodyEncoding = 'binary' | 'base64';

/**
 * How the stream is delivered (see README).
 *
 * @example
 * ```ts
 * session.writable('/queue/files', { delivery: 'complete' satisfies DeliveryMode });
 * ```
 */
export type DeliveryMode = 'live' | 'complete';

/** What the announcement says about a stream. */
export interface Announcement {
  /** Stream id: 1–64 characters of `[A-Za-z0-9_-]`. */
  id: string;
  /** Destination holding the stream's fragments. */
  fragments: string;
  /** Stream name (e.g. a file name); untrusted text. */
  name: string;
  /** MIME type, if the producer gave one. */
  contentType?: string;
  /** Total size in bytes, if the producer knew it up front. */
  size?: number;
  /** Application metadata. */
  metadata: Record<string, string>;
  /** Producer's clock when the stream started (epoch ms). */
  created: number;
  /** Fragment size used by the producer. */
  chunkSize: number;
  /** Fragment hash algorithm. */
  hash: FragmentHashAlgorithm;
  /** Body encoding of data fragments. */
  encoding: BodyEncoding;
  /** Delivery mode. */
  delivery: DeliveryMode;
  /** Expiry of the fragments (ms after sending). */
  ttl: number;
  /** Extra headers every frame on the fragment destination must carry (RabbitMQ queue arguments). */
  queueHeaders: Record<string, string>;
  /** The fragments stay on the broker after acknowledgement (a RabbitMQ stream queue): a new consumer re-reads from byte 0. */
  retained?: boolean;
}

/** A decoded data fragment. */
export interface DataFragment {
  type: 'data';
  seq: number;
  offset: number;
  hash: string;
  chain: string;
  encoding: BodyEncoding;
}

/** A decoded end marker. */
export interface EndFragment {
  type: 'end';
  seq: number;
  length: number;
  chain: string;
  sha256: string | undefined;
}

/** A decoded abort marker. */
export interface AbortFragment {
  type: 'abort';
  seq: number;
}

/** A decoded keepalive. */
export interface KeepaliveFragment {
  type: 'keepalive';
  seq: number;
}

/** Any message on a fragment destination. */
export type Fragment = DataFragment | EndFragment | AbortFragment | KeepaliveFragment;

const H = {
  version: 'ss-v',
  type: 'ss-type',
  id: 'ss-id',
  seq: 'ss-seq',
  offset: 'ss-offset',
  hash: 'ss-hash',
  chain: 'ss-chain',
  length: 'ss-length',
  sha256: 'ss-sha256',
  encoding: 'ss-encoding',
} as const;

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const HEX_RE = /^[0-9a-f]+$/;

/** Base headers of a data fragment (the caller adds broker headers: persistence, expiry). */
export function dataHeaders(id: string, seq: number, offset: number, hash: string, chain: string, encoding: BodyEncoding): SendHeaders {
  return {
    [H.version]: PROTOCOL_VERSION,
    [H.type]: 'data',
    [H.id]: id,
    [H.seq]: seq,
    [H.offset]: offset,
    [H.hash]: hash,
    [H.chain]: chain,
    [H.encoding]: encoding === 'binary' ? undefined : encoding,
  };
}

/** Headers of the end marker. */
export function endHeaders(id: string, seq: number, length: number, chain: string, sha256?: string): SendHeaders {
  return {
    [H.version]: PROTOCOL_VERSION, [H.type]: 'end', [H.id]: id, [H.seq]: seq, [H.length]: length, [H.chain]: chain, [H.sha256]: sha256,
  };
}

/** Headers of an abort marker (its body is {@link encodeAbortReason}). */
export function abortHeaders(id: string, seq: number): SendHeaders {
  return { [H.version]: PROTOCOL_VERSION, [H.type]: 'abort', [H.id]: id, [H.seq]: seq };
}

/** Headers of a keepalive. */
export function keepaliveHeaders(id: string, seq: number): SendHeaders {
  return { [H.version]: PROTOCOL_VERSION, [H.type]: 'keepalive', [H.id]: id, [H.seq]: seq };
}

/** Headers of an announcement (its body is {@link encodeAnnouncement}). */
export function announceHeaders(id: string): SendHeaders {
  return { [H.version]: PROTOCOL_VERSION, [H.type]: 'announce', [H.id]: id, 'content-type': 'application/json' };
}

/**
 * Decodes the `ss-*` headers of a message on a fragment destination.
 * Throws {@link IntegrityError} (`ERR_PROTOCOL`) naming the offending header.
 *
 * @example
 * ```ts
 * const f = decodeFragment(message.headers, 'abc', 'xxh64', 0);
 * if (f.type === 'data') console.log(f.seq, f.offset);
 * ```
 */
export function decodeFragment(headers: FrameHeaders, streamId: string, hash: FragmentHashAlgorithm, at: number): Fragment {
  checkVersion(headers, at);
  const id = headers[H.id];
  if (id !== streamId) throw protocolError(`${H.id} is ${JSON.stringify(id?.slice(0, 80))}, expected ${JSON.stringify(streamId)} (foreign stream)`, at);
  const seq = integerHeader(headers, H.seq, at);
  switch (headers[H.type]) {
    case 'data': return decodeData(headers, seq, hash, at);
    case 'end': return decodeEnd(headers, seq, at);
    case 'abort': return { type: 'abort', seq };
    case 'keepalive': return { type: 'keepalive', seq };
    default: throw protocolError(`unknown ${H.type} ${JSON.stringify(headers[H.type]?.slice(0, 40))}`, at);
  }
}

function decodeData(headers: FrameHeaders, seq: number, hash: FragmentHashAlgorithm, at: number): DataFragment {
  const encoding = headers[H.encoding] ?? 'binary';
  if (encoding !== 'binary' && encoding !== 'base64') throw protocolError(`unknown ${H.encoding} ${JSON.stringify(encoding.slice(0, 40))}`, at);
  return {
    type: 'data',
    seq,
    offset: integerHeader(headers, H.offset, at),
    hash: hexHeader(headers, H.hash, hashLength(hash), at),
    chain: hexHeader(headers, H.chain, 16, at),
    encoding,
  };
}

function decodeEnd(headers: FrameHeaders, seq: number, at: number): EndFragment {
  const sha = headers[H.sha256];
  return {
    type: 'end',
    seq,
    length: integerHeader(headers, H.length, at),
    chain: hexHeader(headers, H.chain, 16, at),
    sha256: sha === undefined ? undefined : hexHeader(headers, H.sha256, 64, at),
  };
}

/** Hex digits of a fragment hash. */
export function hashLength(algorithm: FragmentHashAlgorithm): number {
  return algorithm === 'sha256' ? 64 : 16;
}

function checkVersion(headers: FrameHeaders, at: number): void {
  const v = headers[H.version];
  if (v !== String(PROTOCOL_VERSION)) throw protocolError(`${H.version} is ${JSON.stringify(v?.slice(0, 20))}, this consumer speaks ${PROTOCOL_VERSION}`, at);
}

/** Parses a canonical non-negative decimal integer header ≤ 2^53-1. */
function integerHeader(headers: FrameHeaders, name: string, at: number): number {
  const raw = headers[name];
  if (raw === undefined) throw protocolError(`missing header ${name}`, at);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw protocolError(`header ${name} is not a safe non-negative integer: ${JSON.stringify(raw.slice(0, 40))}`, at);
  }
  return Number(raw);
}

function hexHeader(headers: FrameHeaders, name: string, digits: number, at: number): string {
  const raw = headers[name];
  if (raw === undefined) throw protocolError(`missing header ${name}`, at);
  if (raw.length !== digits || !HEX_RE.test(raw)) throw protocolError(`header ${name} must be ${digits} lower-case hex digits: ${JSON.stringify(raw.slice(0, 80))}`, at);
  return raw;
}

function protocolError(message: string, at: number): IntegrityError {
  return new IntegrityError(ErrorCode.Protocol, message, at);
}

/**
 * Encodes an announcement as its JSON body.
 *
 * @example
 * ```ts
 * const body = encodeAnnouncement(announcement); // Uint8Array of UTF-8 JSON
 * ```
 */
export function encodeAnnouncement(a: Announcement): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: PROTOCOL_VERSION, ...a }));
}

/**
 * Decodes and validates an announcement message. Throws {@link IntegrityError}
 * (`ERR_PROTOCOL`) naming the bad field.
 *
 * @example
 * ```ts
 * const a = decodeAnnouncement(message.headers, message.body);
 * ```
 */
export function decodeAnnouncement(headers: FrameHeaders, body: Uint8Array): Announcement {
  checkVersion(headers, 0);
  if (headers[H.type] !== 'announce') throw protocolError(`${H.type} is ${JSON.stringify(headers[H.type]?.slice(0, 40))}, expected "announce"`, 0);
  if (body.byteLength > MAX_ANNOUNCEMENT_BYTES) throw protocolError(`announcement body of ${body.byteLength} bytes exceeds ${MAX_ANNOUNCEMENT_BYTES}`, 0);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (cause) {
    throw new IntegrityError(ErrorCode.Protocol, 'announcement body is not UTF-8 JSON', 0, { cause });
  }
  const a = validateAnnouncement(json);
  if (a.id !== headers[H.id]) throw protocolError(`announcement id ${JSON.stringify(a.id)} differs from header ${H.id}`, 0);
  return a;
}

function validateAnnouncement(json: unknown): Announcement {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw protocolError('announcement is not a JSON object', 0);
  const o = json as Record<string, unknown>;
  const field = (name: string, ok: boolean) => { if (!ok) throw protocolError(`announcement field "${name}" is missing or invalid`, 0); };
  field('v', o['v'] === PROTOCOL_VERSION);
  field('id', typeof o['id'] === 'string' && ID_RE.test(o['id']));
  field('fragments', typeof o['fragments'] === 'string' && o['fragments'].startsWith('/') && o['fragments'].length < 1024);
  field('name', typeof o['name'] === 'string' && o['name'].length <= 4096);
  field('contentType', o['contentType'] === undefined || (typeof o['contentType'] === 'string' && o['contentType'].length <= 256));
  field('size', o['size'] === undefined || (Number.isSafeInteger(o['size']) && (o['size'] as number) >= 0));
  field('metadata', isStringMap(o['metadata']));
  field('created', Number.isSafeInteger(o['created']));
  field('chunkSize', Number.isSafeInteger(o['chunkSize']) && (o['chunkSize'] as number) > 0);
  field('hash', isFragmentHashAlgorithm(o['hash']));
  field('encoding', o['encoding'] === 'binary' || o['encoding'] === 'base64');
  field('delivery', o['delivery'] === 'live' || o['delivery'] === 'complete');
  field('ttl', Number.isSafeInteger(o['ttl']) && (o['ttl'] as number) > 0);
  field('queueHeaders', isStringMap(o['queueHeaders']) && Object.entries(o['queueHeaders']).every(isQueueHeader));
  field('retained', o['retained'] === undefined || typeof o['retained'] === 'boolean');
  return pickAnnouncement(o);
}

function pickAnnouncement(o: Record<string, unknown>): Announcement {
  return {
    id: o['id'] as string,
    fragments: o['fragments'] as string,
    name: o['name'] as string,
    contentType: o['contentType'] as string | undefined,
    size: o['size'] as number | undefined,
    metadata: toNullProto(o['metadata'] as Record<string, string>),
    created: o['created'] as number,
    chunkSize: o['chunkSize'] as number,
    hash: o['hash'] as FragmentHashAlgorithm,
    encoding: o['encoding'] as BodyEncoding,
    delivery: o['delivery'] as DeliveryMode,
    ttl: o['ttl'] as number,
    queueHeaders: toNullProto(o['queueHeaders'] as Record<string, string>),
    retained: o['retained'] === true ? true : undefined,
  };
}

/**
 * Queue headers an announcement may ask consumers to put on their SUBSCRIBE: queue arguments
 * only (`x-…` but not a read position) and the two declaration flags. Anything else (`id`,
 * `ack`, `prefetch-count`, `selector`, …) would let a hostile producer steer the consumer.
 */
function isQueueHeader([key, value]: [string, string]): boolean {
  const allowed = (/^x-[a-z0-9-]{1,64}$/.test(key) && key !== 'x-stream-offset') || key === 'durable' || key === 'auto-delete';
  return allowed && value.length <= 256 && !/[\r\n\0]/.test(value);
}

function isStringMap(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

function toNullProto(m: Record<string, string>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, val] of Object.entries(m)) out[k] = val;
  return out;
}

/** Body of an abort marker: the reason as JSON `{ name, message, code }`. */
export function encodeAbortReason(reason: unknown): Uint8Array {
  const r = reason as { name?: unknown; message?: unknown; code?: unknown } | undefined;
  const isObj = typeof reason === 'object' && reason !== null;
  const json = {
    name: isObj && typeof r?.name === 'string' ? r.name : 'Error',
    message: isObj && typeof r?.message === 'string' ? r.message : String(reason ?? 'aborted'),
    code: isObj && typeof r?.code === 'string' ? r.code : undefined,
  };
  return new TextEncoder().encode(JSON.stringify(json).slice(0, 8192));
}

/** Rebuilds the producer's abort reason as an Error (never throws on hostile bodies). */
export function decodeAbortReason(body: Uint8Array): Error {
  try {
    const o = JSON.parse(new TextDecoder().decode(body.subarray(0, 8192))) as { name?: unknown; message?: unknown; code?: unknown };
    const err = new Error(typeof o.message === 'string' ? o.message : 'aborted by the producer');
    if (typeof o.name === 'string') err.name = o.name.slice(0, 100);
    if (typeof o.code === 'string') (err as Error & { code?: string }).code = o.code.slice(0, 100);
    return err;
  } catch {
    return new Error('aborted by the producer');
  }
}

/** A new random stream id (128 bits, hex). */
export function newStreamId(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Default fragment destination of a stream announced on `destination`: a sibling queue
 * named `<destination>.ss.<id>`.
 */
export function defaultFragmentDestination(destination: string, id: string): string {
  return `${destination}.ss.${id}`;
}
