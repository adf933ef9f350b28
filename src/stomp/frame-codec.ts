/**
 * STOMP 1.2 frame codec.
 *
 * Design.
 *
 * Encoding measures first, then writes once: the command and header lines are built as one
 * (small) string, the UTF-8 length of that string and of a string body is computed without
 * encoding, and one exact-size buffer is allocated. The head and a string body are written
 * into it with `TextEncoder.encodeInto`; a byte body is copied in with one `set`. The trailing
 * NUL is the buffer's zero fill. So every body byte is written exactly once.
 *
 * Decoding is a small state machine fed with socket chunks of any size:
 *
 *   idle ──(heart-beat EOLs skipped and counted)──▶ head ──▶ body ──▶ emit frame ──▶ idle
 *
 * - The header block is found by jumping from LF to LF with the native `indexOf` inside a
 *   window of at most `maxHeaderBytes`, never with a byte loop, so a hostile peer cannot make
 *   us scan (or keep) more than the limit. A block that spans chunks is kept in one growable
 *   buffer bounded by the limit, and scanning resumes where it stopped.
 * - With `content-length` (checked against `maxFrameSize` *before* any body byte is kept) a
 *   body whose bytes and NUL lie inside the current chunk is returned as a zero-copy
 *   `subarray`; otherwise one buffer of exactly that size is allocated and each chunk's slice
 *   is copied into it as it arrives.
 * - Without `content-length` the body runs to the first NUL, found with `indexOf`; the pieces
 *   of a body that spans chunks are kept as a list of views and joined once at the end.
 * So every body byte is copied at most once and nothing is re-concatenated quadratically.
 *
 * Header names and values are escaped/unescaped (`\\`, `\n`, `\r`, `\c`) except in
 * CONNECT/STOMP/CONNECTED frames, as STOMP 1.2 requires; any other escape is a fatal protocol
 * error. Repeated headers: the first wins. Header objects have a null prototype. Every
 * violation throws a {@link FrameError} naming what was wrong; after that the decoder refuses
 * further input (the session closes).
 * @module
 */
import { ErrorCode, FrameError, InvalidOptionError } from '../errors.js';
import { emptyHeaders, type Frame, type FrameHeaders } from './frame.js';

/**
 * Header values accepted by {@link encodeFrame}; `undefined` values are left out.
 *
 * @example
 * ```ts
 * encodeFrame('SEND', { destination: '/queue/a', persistent: true, priority: 4, skipped: undefined }, 'x');
 * ```
 */
export interface EncodeHeaders {
  [name: string]: string | number | boolean | undefined;
}

/**
 * The single LF sent as a heart-beat. Shared: do not modify it.
 *
 * @example
 * ```ts
 * import { HEARTBEAT_EOL } from 'stomp-streams';
 * console.log(HEARTBEAT_EOL.length, HEARTBEAT_EOL[0]); // 1 10
 * ```
 */
export const HEARTBEAT_EOL: Uint8Array = new Uint8Array([10]);

const LF = 10;
const CR = 13;
const NUL = 0;
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Commands whose headers are sent and read verbatim (STOMP 1.2 "Value Encoding"). */
const VERBATIM_COMMANDS: ReadonlySet<string> = new Set(['CONNECT', 'STOMP', 'CONNECTED']);
const NON_ASCII = /[^\x00-\x7f]/;
const NEEDS_ESCAPE = /[\\\n\r:]/;
const CANONICAL_LENGTH = /^(?:0|[1-9][0-9]*)$/;

function malformed(message: string, cause?: unknown): FrameError {
  return new FrameError(ErrorCode.FrameMalformed, message, cause === undefined ? undefined : { cause });
}

function tooLarge(message: string): FrameError {
  return new FrameError(ErrorCode.FrameTooLarge, message);
}

/** Quotes at most 60 characters of hostile input for an error message. */
function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

// ─── Encoding ────────────────────────────────────────────────────────────────────────────────

/**
 * Encodes one frame into a single exact-size buffer (command, headers, blank line, body, NUL).
 * Adds `content-length` for a non-empty body; a caller-supplied `content-length` wins but must
 * equal the body's byte length. Headers are escaped except for CONNECT, STOMP and CONNECTED,
 * whose headers must then not contain LF/CR (nor `:` in names). Throws {@link FrameError}
 * (`ERR_FRAME_MALFORMED`) for an empty command or one containing LF/CR/NUL, an empty header
 * name, or a wrong `content-length`.
 *
 * @example
 * ```ts
 * import { encodeFrame } from 'stomp-streams';
 * const bytes = encodeFrame('SEND', { destination: '/queue/a', receipt: 'r1' }, 'héllo');
 * console.log(new TextDecoder().decode(bytes));
 * // SEND\ndestination:/queue/a\nreceipt:r1\ncontent-length:6\n\nhéllo\0
 * ```
 */
export function encodeFrame(command: string, headers: EncodeHeaders, body?: Uint8Array | string): Uint8Array {
  return encodeFrameWith(allocBytes, command, headers, body);
}

/** {@link encodeFrame} into memory from `alloc` (exactly n bytes, e.g. from a frame pool). @internal */
export function encodeFrameWith(alloc: (n: number) => Uint8Array, command: string, headers: EncodeHeaders, body?: Uint8Array | string): Uint8Array {
  if (command.length === 0 || /[\r\n\0]/.test(command)) throw malformed(`invalid command ${quote(command)}`);
  const bodyLength = body === undefined ? 0 : typeof body === 'string' ? utf8Length(body) : body.byteLength;
  const head = headText(command, headers, bodyLength);
  const headLength = utf8Length(head);
  const out = alloc(headLength + bodyLength + 1);
  writeUtf8(head, out, 0, headLength);
  if (typeof body === 'string') writeUtf8(body, out, headLength, bodyLength);
  else if (body !== undefined) out.set(body, headLength);
  out[headLength + bodyLength] = NUL;
  return out;
}

/** Size from which a buffer every byte of which is written at once is left uninitialised. */
const UNINITIALISED_FROM = 64 * 1024;
type AllocUnsafeSlow = (n: number) => Uint8Array<ArrayBuffer>;
const allocUnsafeSlow = (globalThis as { Buffer?: { allocUnsafeSlow?: AllocUnsafeSlow } }).Buffer?.allocUnsafeSlow;

/**
 * A plain `Uint8Array` of `n` bytes for a frame or body that is written in full before anyone
 * reads it. Where the runtime has `Buffer.allocUnsafeSlow` (Node, Deno, Bun) a large one is not
 * zero-filled first: a 1 MiB fragment used to be written twice, zeros then bytes. Its own
 * ArrayBuffer, never a pooled slab, and a plain `Uint8Array` view (Buffer's `slice()` would
 * not copy). @internal
 */
export function allocBytes(n: number): Uint8Array<ArrayBuffer> {
  if (n < UNINITIALISED_FROM || !allocUnsafeSlow) return new Uint8Array(n);
  return new Uint8Array(allocUnsafeSlow(n).buffer, 0, n);
}

/** Builds `COMMAND\nname:value\n…\n\n` (headers only, never the body). */
function headText(command: string, headers: EncodeHeaders, bodyLength: number): string {
  const verbatim = VERBATIM_COMMANDS.has(command);
  let head = `${command}\n`;
  let hasLength = false;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const text = String(value);
    if (name === 'content-length') {
      if (text !== String(bodyLength)) {
        throw malformed(`content-length header ${quote(text)} does not match the body's ${bodyLength} bytes`);
      }
      hasLength = true;
    }
    head += headerLine(name, text, verbatim, command);
  }
  if (!hasLength && bodyLength > 0) head += `content-length:${bodyLength}\n`;
  return `${head}\n`;
}

/** One `name:value\n` line, escaped unless the command's headers are verbatim. */
function headerLine(name: string, value: string, verbatim: boolean, command: string): string {
  if (name.length === 0) throw malformed(`empty header name in a ${command} frame`);
  if (!verbatim) return `${escapeHeader(name)}:${escapeHeader(value)}\n`;
  if (/[\r\n:]/.test(name)) throw malformed(`header name ${quote(name)} of a ${command} frame contains LF, CR or ':' (not escaped in ${command})`);
  if (/[\r\n]/.test(value)) throw malformed(`header ${quote(name)} of a ${command} frame contains LF or CR (not escaped in ${command})`);
  return `${name}:${value}\n`;
}

function escapeHeader(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/[\\\n\r:]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\c'));
}

/**
 * Byte length of `s` as `TextEncoder` writes it (lone surrogates become U+FFFD, 3 bytes),
 * without encoding. ASCII strings are measured by one native regex test.
 */
function utf8Length(s: string): number {
  const first = s.search(NON_ASCII);
  if (first < 0) return s.length;
  let n = first;
  for (let i = first; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Writes exactly `length` UTF-8 bytes of `s` at `at` in `out`. */
function writeUtf8(s: string, out: Uint8Array, at: number, length: number): void {
  const { read, written } = encoder.encodeInto(s, out.subarray(at, at + length));
  if (read !== s.length || written !== length) {
    throw new Error(`internal: UTF-8 length ${length} mismatch (${written} bytes written, ${read}/${s.length} read)`);
  }
}

// ─── Decoding ────────────────────────────────────────────────────────────────────────────────

/**
 * Limits of a {@link FrameDecoder}.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder({ maxFrameSize: 16 * 1024 * 1024, maxHeaderBytes: 8192, maxHeaders: 64 });
 * ```
 */
export interface FrameDecoderOptions {
  /**
   * Largest body accepted, in bytes. Default 64 MiB. Checked against `content-length` before
   * any body byte is buffered, and against the running size when there is no `content-length`.
   */
  maxFrameSize?: number;
  /** Largest command + header block (including its blank line), in bytes. Default 64 KiB. */
  maxHeaderBytes?: number;
  /** Most header lines in one frame. Default 256. */
  maxHeaders?: number;
  /**
   * The caller reuses a chunk's memory once `push()` returned (a transport reading into one
   * buffer): bodies are then always copies, never views into a chunk. Default false.
   */
  transientChunks?: boolean;
}

type State = 'idle' | 'head' | 'body-start' | 'body-length' | 'body-nul' | 'body-scan';

function limit(options: FrameDecoderOptions | undefined, name: 'maxFrameSize' | 'maxHeaderBytes' | 'maxHeaders', fallback: number): number {
  const value = options?.[name];
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidOptionError(name, `must be a non-negative integer, got ${String(value)}`);
  return value;
}

/**
 * Incremental STOMP 1.2 decoder: feed it socket chunks, get whole frames back. Bodies may be
 * views into the chunks that were pushed (transports never reuse chunk memory).
 *
 * @example
 * ```ts
 * import { FrameDecoder } from 'stomp-streams';
 * const d = new FrameDecoder({ maxFrameSize: 1 << 20 });
 * const wire = new TextEncoder().encode('\nMESSAGE\ndestination:/queue/a\n\nhi\0');
 * console.log(d.push(wire.subarray(0, 9)).length); // 0 (incomplete)
 * const [frame] = d.push(wire.subarray(9));
 * console.log(frame?.command, frame?.headers['destination'], d.heartbeats); // MESSAGE /queue/a 1
 * ```
 */
export class FrameDecoder {
  readonly #maxFrame: number;
  readonly #maxHead: number;
  readonly #maxHeaders: number;
  #state: State = 'idle';
  #failed: FrameError | undefined;
  #heartbeats = 0;
  /** A heart-beat CR ended the previous chunk; its LF must come next. */
  #pendingCR = false;
  // Header block spanning chunks.
  #head = EMPTY;
  #headLen = 0;
  /** How the buffered head ends: 0 otherwise, 1 with LF, 2 with LF CR. */
  #tail = 0;
  // Frame being read.
  #command = '';
  #headers: FrameHeaders = emptyHeaders();
  /** The frame's content-length (valid in the body-start state). */
  #length = 0;
  #body = EMPTY;
  readonly #transient: boolean;
  #bodyFill = 0;
  #parts: Uint8Array[] = [];
  #partsLen = 0;

  constructor(options?: FrameDecoderOptions) {
    this.#maxFrame = limit(options, 'maxFrameSize', 64 * 1024 * 1024);
    this.#maxHead = limit(options, 'maxHeaderBytes', 64 * 1024);
    this.#maxHeaders = limit(options, 'maxHeaders', 256);
    this.#transient = options?.transientChunks === true;
  }

  /** Number of heart-beat EOLs (`\n` or `\r\n`) seen between frames so far. */
  get heartbeats(): number {
    return this.#heartbeats;
  }

  /** Bytes buffered (copied or referenced) for an incomplete frame. */
  get buffered(): number {
    return this.#headLen + this.#bodyFill + this.#partsLen;
  }

  /**
   * Feeds one socket chunk; returns the frames it completed, in order (often none). Throws
   * {@link FrameError}; after a throw every further call throws the same error.
   */
  push(chunk: Uint8Array): Frame[] {
    if (this.#failed) throw this.#failed;
    const frames: Frame[] = [];
    try {
      let pos = 0;
      while (pos < chunk.length) pos = this.#step(chunk, pos, frames);
    } catch (err) {
      this.#failed = err instanceof FrameError ? err : malformed(`frame decoding failed: ${String(err)}`, err);
      throw this.#failed;
    }
    return frames;
  }

  #step(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    switch (this.#state) {
      case 'idle': return this.#skipHeartbeats(chunk, pos);
      case 'head': return this.#readHead(chunk, pos, frames);
      case 'body-start': return this.#beginBody(chunk, pos, frames);
      case 'body-length': return this.#readBodyLength(chunk, pos, frames);
      case 'body-nul': return this.#expectNul(chunk, pos, frames);
      case 'body-scan': return this.#scanBody(chunk, pos, frames);
    }
  }

  /** Skips and counts EOLs before a frame (only EOL bytes are looked at one by one). */
  #skipHeartbeats(chunk: Uint8Array, pos: number): number {
    let p = pos;
    if (this.#pendingCR) {
      if (chunk[p] !== LF) throw malformed('CR not followed by LF between frames');
      this.#pendingCR = false;
      this.#heartbeats++;
      p++;
    }
    while (p < chunk.length) {
      const b = chunk[p];
      if (b === LF) { this.#heartbeats++; p++; continue; }
      if (b !== CR) break;
      if (p + 1 === chunk.length) { this.#pendingCR = true; return p + 1; }
      if (chunk[p + 1] !== LF) throw malformed('CR not followed by LF between frames');
      this.#heartbeats++;
      p += 2;
    }
    if (p < chunk.length) this.#state = 'head';
    return p;
  }

  #readHead(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    // The block may use at most `room` more bytes: never scan or keep more than that.
    const room = this.#maxHead - this.#headLen;
    const win = chunk.length - pos > room ? chunk.subarray(0, pos + room) : chunk;
    const end = this.#findHeadEnd(win, pos);
    if (end < 0) {
      if (win !== chunk) throw this.#headTooLarge();
      this.#appendHead(chunk, pos, chunk.length);
      return chunk.length;
    }
    let block: Uint8Array;
    if (this.#headLen === 0) {
      block = chunk.subarray(pos, end);
    } else {
      this.#appendHead(chunk, pos, end);
      block = this.#head.subarray(0, this.#headLen);
    }
    this.#parseHead(block);
    this.#headLen = 0;
    return this.#startBody(chunk, end, frames);
  }

  #headTooLarge(): FrameError {
    return tooLarge(`header block exceeds maxHeaderBytes ${this.#maxHead} (no empty line within ${this.#maxHead} bytes)`);
  }

  /** Finds the end of the header block in `win` (the byte after the blank line), or -1. */
  #findHeadEnd(win: Uint8Array, pos: number): number {
    const tail = this.#tail;
    this.#tail = 0;
    // Continue a buffered block that ended with LF or LF CR.
    if (tail !== 0 && win[pos] === LF) return pos + 1;
    if (tail === 1 && win[pos] === CR) {
      if (pos + 1 === win.length) { this.#tail = 2; return -1; }
      if (win[pos + 1] === LF) return pos + 2;
    }
    let from = pos;
    for (;;) {
      const lf = win.indexOf(LF, from);
      if (lf < 0) return -1;
      const next = lf + 1;
      if (next === win.length) { this.#tail = 1; return -1; }
      if (win[next] === LF) return next + 1;
      if (win[next] === CR) {
        if (next + 1 === win.length) { this.#tail = 2; return -1; }
        if (win[next + 1] === LF) return next + 2;
      }
      from = next;
    }
  }

  /** Appends `chunk[from, to)` to the buffered head (callers keep it within maxHeaderBytes). */
  #appendHead(chunk: Uint8Array, from: number, to: number): void {
    const need = this.#headLen + (to - from);
    if (need > this.#head.byteLength) {
      const grown = new Uint8Array(Math.min(this.#maxHead, Math.max(need, 256, this.#head.byteLength * 2)));
      grown.set(this.#head.subarray(0, this.#headLen));
      this.#head = grown;
    }
    this.#head.set(chunk.subarray(from, to), this.#headLen);
    this.#headLen = need;
  }

  #parseHead(block: Uint8Array): void {
    let text: string;
    try {
      text = utf8.decode(block);
    } catch (cause) {
      throw malformed('header block is not valid UTF-8', cause);
    }
    const lines = text.split('\n');
    const command = stripCR(lines[0] ?? '');
    const verbatim = VERBATIM_COMMANDS.has(command);
    const headers = emptyHeaders();
    for (let i = 1; i < lines.length; i++) {
      const line = stripCR(lines[i] ?? '');
      if (line.length === 0) break; // the blank line ending the block
      if (i > this.#maxHeaders) throw tooLarge(`more than maxHeaders ${this.#maxHeaders} headers in a ${command} frame`);
      const colon = line.indexOf(':');
      if (colon <= 0) throw malformed(`header line ${i} of a ${command} frame has no name and colon: ${quote(line)}`);
      const name = verbatim ? line.slice(0, colon) : unescapeHeader(line.slice(0, colon), command);
      if (!(name in headers)) headers[name] = verbatim ? line.slice(colon + 1) : unescapeHeader(line.slice(colon + 1), command);
    }
    this.#command = command;
    this.#headers = headers;
  }

  #startBody(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const length = this.#contentLength();
    if (length < 0) {
      this.#state = 'body-scan';
      return this.#scanBody(chunk, pos, frames);
    }
    this.#length = length;
    this.#state = 'body-start';
    return this.#beginBody(chunk, pos, frames);
  }

  /** First body bytes of a content-length frame: a view if body and NUL are all here, else one buffer. */
  #beginBody(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    if (pos >= chunk.length) return pos; // the head ended with the chunk: decide on the next one
    const length = this.#length;
    if (pos + length < chunk.length) {
      if (chunk[pos + length] !== NUL) throw this.#lengthMismatch(length);
      this.#emit(frames, this.#keep(chunk.subarray(pos, pos + length)));
      return pos + length + 1;
    }
    this.#body = allocBytes(length); // handed out only once every byte is filled
    this.#bodyFill = 0;
    this.#state = 'body-length';
    return this.#readBodyLength(chunk, pos, frames);
  }

  /** The validated `content-length`, or -1 when absent. */
  #contentLength(): number {
    const raw = this.#headers['content-length'];
    if (raw === undefined) return -1;
    if (!CANONICAL_LENGTH.test(raw)) throw malformed(`content-length ${quote(raw)} of a ${this.#command} frame is not a canonical non-negative decimal integer`);
    const length = Number(raw);
    if (length > this.#maxFrame) throw tooLarge(`content-length ${raw} of a ${this.#command} frame exceeds maxFrameSize ${this.#maxFrame}`);
    return length;
  }

  #lengthMismatch(length: number): FrameError {
    return malformed(`${this.#command} frame body is not followed by NUL after content-length ${length} bytes (content-length does not match)`);
  }

  #readBodyLength(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const n = Math.min(this.#body.byteLength - this.#bodyFill, chunk.length - pos);
    this.#body.set(pos === 0 && n === chunk.length ? chunk : chunk.subarray(pos, pos + n), this.#bodyFill);
    this.#bodyFill += n;
    if (this.#bodyFill < this.#body.byteLength) return pos + n;
    this.#state = 'body-nul';
    return this.#expectNul(chunk, pos + n, frames);
  }

  #expectNul(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    if (pos >= chunk.length) return pos;
    if (chunk[pos] !== NUL) throw this.#lengthMismatch(this.#body.byteLength);
    const body = this.#body;
    this.#body = EMPTY;
    this.#bodyFill = 0;
    this.#emit(frames, body);
    return pos + 1;
  }

  #scanBody(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const nul = chunk.indexOf(NUL, pos);
    const end = nul < 0 ? chunk.length : nul;
    if (this.#partsLen + (end - pos) > this.#maxFrame) {
      throw tooLarge(`${this.#command} frame body without content-length exceeds maxFrameSize ${this.#maxFrame} (${this.#partsLen + (end - pos)}+ bytes, no NUL yet)`);
    }
    if (nul < 0) {
      this.#parts.push(this.#keep(pos === 0 ? chunk : chunk.subarray(pos)));
      this.#partsLen += chunk.length - pos;
      return chunk.length;
    }
    this.#emit(frames, this.#joinParts(chunk.subarray(pos, nul)));
    return nul + 1;
  }

  /** Joins the buffered body pieces and `last` with one allocation (none if nothing is buffered). */
  #joinParts(last: Uint8Array): Uint8Array {
    if (this.#parts.length === 0) return this.#keep(last);
    const out = new Uint8Array(this.#partsLen + last.byteLength);
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    out.set(last, at);
    this.#parts = [];
    this.#partsLen = 0;
    return out;
  }

  /** `view` itself, or a copy of it when the caller reuses its chunks. */
  #keep(view: Uint8Array): Uint8Array {
    if (!this.#transient || view.byteLength === 0) return view;
    const copy = allocBytes(view.byteLength);
    copy.set(view);
    return copy;
  }

  #emit(frames: Frame[], body: Uint8Array): void {
    frames.push({ command: this.#command, headers: this.#headers, body });
    this.#state = 'idle';
  }
}

function stripCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Undoes STOMP 1.2 escaping; any escape other than `\\ \n \r \c` is malformed. */
function unescapeHeader(s: string, command: string): string {
  let j = s.indexOf('\\');
  if (j < 0) return s;
  let out = '';
  let i = 0;
  for (; j >= 0; j = s.indexOf('\\', i)) {
    out += s.slice(i, j);
    const c = s[j + 1];
    if (c === 'n') out += '\n';
    else if (c === 'r') out += '\r';
    else if (c === 'c') out += ':';
    else if (c === '\\') out += '\\';
    else if (c === undefined) throw malformed(`header ${quote(s)} of a ${command} frame ends with a lone backslash`);
    else throw malformed(`undefined escape sequence \\${c} in header ${quote(s)} of a ${command} frame`);
    i = j + 2;
  }
  return out + s.slice(i);
}
