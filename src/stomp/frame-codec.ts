/**
 * STOMP 1.2 frame codec.
 *
 * Design. Encoding builds the command and header lines as one string, encodes it once, and
 * writes head, body and the NUL terminator into a single exact-size buffer: the body is copied
 * exactly once. Decoding is a small state machine fed with socket chunks of any size:
 *
 *   idle ──(heart-beat EOLs skipped and counted)──▶ head ──▶ body ──▶ emit frame ──▶ idle
 *
 * - The header block is found by jumping from LF to LF with the native `indexOf` (never a
 *   byte loop); its end is an empty line. When a block spans chunks, the pieces go into one
 *   growable buffer bounded by `maxHeaderBytes`, and scanning resumes where it stopped.
 * - With `content-length` (checked against `maxFrameSize` *before* any body byte is kept) a
 *   body that lies inside the current chunk is returned as a zero-copy view; otherwise one
 *   buffer of exactly that size is allocated and each chunk's slice copied in as it arrives.
 * - Without `content-length` the body runs to the first NUL, found with `indexOf`; the pieces
 *   of a body that spans chunks are kept in a list and joined once at the end.
 * So every body byte is copied at most once and nothing is re-concatenated quadratically.
 *
 * Header values are unescaped (`\\`, `\n`, `\r`, `\c`) except in CONNECT/STOMP/CONNECTED
 * frames, as STOMP 1.2 requires; any other escape is a fatal protocol error. Repeated headers:
 * the first wins. Header objects have a null prototype. Every violation throws a
 * {@link FrameError} naming what was wrong, after which the decoder refuses further input.
 * @module
 */
import { ErrorCode, FrameError } from '../errors.js';
import { emptyHeaders, type Frame, type FrameHeaders } from './frame.js';

/** Header values accepted by {@link encodeFrame}; `undefined` values are left out. */
export interface EncodeHeaders {
  [name: string]: string | number | boolean | undefined;
}

/** The single LF sent as a heart-beat. */
export const HEARTBEAT_EOL: Uint8Array = new Uint8Array([10]);

const LF = 10;
const CR = 13;
const NUL = 0;
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const UNESCAPED_COMMANDS = new Set(['CONNECT', 'STOMP', 'CONNECTED']);

function malformed(message: string): FrameError {
  return new FrameError(ErrorCode.FrameMalformed, message);
}

function tooLarge(message: string): FrameError {
  return new FrameError(ErrorCode.FrameTooLarge, message);
}

function escapeHeader(s: string): string {
  return /[\\\n\r:]/.test(s) ? s.replace(/[\\\n\r:]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\c')) : s;
}

/**
 * Encodes one frame into a single buffer (head, body, NUL). Adds `content-length` for a
 * non-empty body; a caller-supplied `content-length` must be right.
 *
 * @example
 * ```ts
 * import { encodeFrame } from 'stomp-streams';
 * const bytes = encodeFrame('SEND', { destination: '/queue/a', receipt: 'r1' }, new Uint8Array([1, 2, 3]));
 * ```
 */
export function encodeFrame(command: string, headers: EncodeHeaders, body?: Uint8Array | string): Uint8Array {
  if (command.length === 0 || /[\r\n\0:]/.test(command)) throw malformed(`invalid command ${JSON.stringify(command.slice(0, 40))}`);
  const bytes = body === undefined ? EMPTY : typeof body === 'string' ? encoder.encode(body) : body;
  const head = encodeHead(command, headers, bytes.byteLength);
  const out = new Uint8Array(head.byteLength + bytes.byteLength + 1);
  out.set(head, 0);
  out.set(bytes, head.byteLength);
  out[out.length - 1] = NUL;
  return out;
}

function encodeHead(command: string, headers: EncodeHeaders, bodyLength: number): Uint8Array {
  const escape = !UNESCAPED_COMMANDS.has(command);
  let head = `${command}\n`;
  let hasLength = false;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (name.length === 0) throw malformed('empty header name');
    const text = String(value);
    if (name === 'content-length') {
      if (text !== String(bodyLength)) throw malformed(`content-length header ${JSON.stringify(text)} does not match the body's ${bodyLength} bytes`);
      hasLength = true;
    }
    head += escape ? `${escapeHeader(name)}:${escapeHeader(text)}\n` : `${name}:${text}\n`;
  }
  if (!hasLength && bodyLength > 0) head += `content-length:${bodyLength}\n`;
  return encoder.encode(`${head}\n`);
}

/** Limits of a {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest body accepted, bytes. Default 64 MiB. */
  maxFrameSize?: number;
  /** Largest command + header block, bytes. Default 64 KiB. */
  maxHeaderBytes?: number;
  /** Most header lines in one frame. Default 256. */
  maxHeaders?: number;
}

type State = 'idle' | 'head' | 'body-length' | 'body-nul' | 'body-scan';

/**
 * Incremental STOMP 1.2 decoder: feed it socket chunks, get whole frames back.
 *
 * @example
 * ```ts
 * import { FrameDecoder } from 'stomp-streams';
 * const d = new FrameDecoder({ maxFrameSize: 1 << 20 });
 * const frames = d.push(new TextEncoder().encode('MESSAGE\ndestination:/queue/a\n\nhi\0'));
 * frames[0].command; // 'MESSAGE'
 * ```
 */
export class FrameDecoder {
  #maxFrame: number;
  #maxHead: number;
  #maxHeaders: number;
  #state: State = 'idle';
  #failed: FrameError | undefined;
  #heartbeats = 0;
  #pendingCR = false;
  // head state
  #head = new Uint8Array(256);
  #headLen = 0;
  /** 0: nothing, 1: buffered head ends with LF, 2: ends with LF CR. */
  #tail = 0;
  // body state
  #command = '';
  #headers: FrameHeaders = emptyHeaders();
  #body: Uint8Array = EMPTY;
  #bodyFill = 0;
  #parts: Uint8Array[] = [];
  #partsLen = 0;

  constructor(options?: FrameDecoderOptions) {
    this.#maxFrame = options?.maxFrameSize ?? 64 * 1024 * 1024;
    this.#maxHead = options?.maxHeaderBytes ?? 64 * 1024;
    this.#maxHeaders = options?.maxHeaders ?? 256;
  }

  /** Heart-beat EOLs seen between frames. */
  get heartbeats(): number {
    return this.#heartbeats;
  }

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.#headLen + this.#bodyFill + this.#partsLen;
  }

  /** Feeds one chunk; returns the frames it completed. Throws {@link FrameError}. */
  push(chunk: Uint8Array): Frame[] {
    if (this.#failed) throw this.#failed;
    const frames: Frame[] = [];
    try {
      let pos = 0;
      while (pos < chunk.length) pos = this.#step(chunk, pos, frames);
    } catch (err) {
      this.#failed = err instanceof FrameError ? err : malformed(String(err));
      throw this.#failed;
    }
    return frames;
  }

  #step(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    switch (this.#state) {
      case 'idle': return this.#skipHeartbeats(chunk, pos);
      case 'head': return this.#readHead(chunk, pos, frames);
      case 'body-length': return this.#readBodyLength(chunk, pos, frames);
      case 'body-nul': return this.#expectNul(chunk, pos, frames);
      case 'body-scan': return this.#scanBody(chunk, pos, frames);
    }
  }

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

  /** Finds the end of the header block (the byte after the empty line's LF), or -1. */
  #findHeadEnd(chunk: Uint8Array, pos: number): number {
    // Continue a block whose buffered part ended with LF or LF CR.
    const tail = this.#tail;
    this.#tail = 0;
    if (tail === 2 && chunk[pos] === LF) return pos + 1;
    if (tail === 1 && chunk[pos] === LF) return pos + 1;
    if (tail === 1 && chunk[pos] === CR) {
      if (pos + 1 === chunk.length) { this.#tail = 2; return -1; }
      if (chunk[pos + 1] === LF) return pos + 2;
    }
    let from = pos;
    for (;;) {
      const lf = chunk.indexOf(LF, from);
      if (lf < 0) { this.#tail = 0; return -1; }
      const next = lf + 1;
      if (next === chunk.length) { this.#tail = 1; return -1; }
      if (chunk[next] === LF) return next + 1;
      if (chunk[next] === CR) {
        if (next + 1 === chunk.length) { this.#tail = 2; return -1; }
        if (chunk[next + 1] === LF) return next + 2;
      }
      from = next;
    }
  }

  #readHead(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const end = this.#findHeadEnd(chunk, pos);
    if (end < 0) {
      this.#appendHead(chunk.subarray(pos));
      return chunk.length;
    }
    let block: Uint8Array;
    if (this.#headLen === 0) {
      block = chunk.subarray(pos, end);
      if (block.byteLength > this.#maxHead) throw tooLarge(`header block of ${block.byteLength} bytes exceeds maxHeaderBytes ${this.#maxHead}`);
    } else {
      this.#appendHead(chunk.subarray(pos, end));
      block = this.#head.subarray(0, this.#headLen);
    }
    this.#parseHead(block);
    this.#headLen = 0;
    this.#tail = 0;
    return this.#startBody(chunk, end, frames);
  }

  #appendHead(bytes: Uint8Array): void {
    const need = this.#headLen + bytes.byteLength;
    if (need > this.#maxHead) throw tooLarge(`header block exceeds maxHeaderBytes ${this.#maxHead} without an empty line`);
    if (need > this.#head.byteLength) {
      const grown = new Uint8Array(Math.min(this.#maxHead, Math.max(need, this.#head.byteLength * 2)));
      grown.set(this.#head.subarray(0, this.#headLen));
      this.#head = grown;
    }
    this.#head.set(bytes, this.#headLen);
    this.#headLen = need;
  }

  #parseHead(block: Uint8Array): void {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(block);
    } catch (cause) {
      throw new FrameError(ErrorCode.FrameMalformed, 'header block is not valid UTF-8', { cause });
    }
    const lines = text.split('\n');
    const command = stripCR(lines[0] ?? '');
    if (command.length === 0) throw malformed('empty command line');
    const unescape = !UNESCAPED_COMMANDS.has(command);
    const headers = emptyHeaders();
    let count = 0;
    for (let i = 1; i < lines.length; i++) {
      const line = stripCR(lines[i] as string);
      if (line.length === 0) break;
      if (++count > this.#maxHeaders) throw tooLarge(`more than maxHeaders ${this.#maxHeaders} headers in a ${command} frame`);
      const colon = line.indexOf(':');
      if (colon <= 0) throw malformed(`header line without a name and colon in a ${command} frame: ${JSON.stringify(line.slice(0, 80))}`);
      const name = unescape ? unescapeHeader(line.slice(0, colon)) : line.slice(0, colon);
      if (!(name in headers)) headers[name] = unescape ? unescapeHeader(line.slice(colon + 1)) : line.slice(colon + 1);
    }
    this.#command = command;
    this.#headers = headers;
  }

  #startBody(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const raw = this.#headers['content-length'];
    if (raw === undefined) {
      this.#state = 'body-scan';
      return this.#scanBody(chunk, pos, frames);
    }
    if (!/^(0|[1-9][0-9]{0,15})$/.test(raw)) throw malformed(`content-length ${JSON.stringify(raw.slice(0, 40))} is not a non-negative decimal integer`);
    const length = Number(raw);
    if (length > this.#maxFrame) throw tooLarge(`content-length ${length} exceeds maxFrameSize ${this.#maxFrame}`);
    if (pos + length < chunk.length) {
      // Whole body and its NUL are in this chunk: zero-copy view.
      if (chunk[pos + length] !== NUL) throw malformed(`frame body is not followed by NUL at content-length ${length} (content-length does not match)`);
      this.#emit(frames, chunk.subarray(pos, pos + length));
      return pos + length + 1;
    }
    this.#body = new Uint8Array(length);
    this.#bodyFill = 0;
    this.#state = 'body-length';
    return this.#readBodyLength(chunk, pos, frames);
  }

  #readBodyLength(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const n = Math.min(this.#body.byteLength - this.#bodyFill, chunk.length - pos);
    this.#body.set(chunk.subarray(pos, pos + n), this.#bodyFill);
    this.#bodyFill += n;
    if (this.#bodyFill < this.#body.byteLength) return pos + n;
    this.#state = 'body-nul';
    return this.#expectNul(chunk, pos + n, frames);
  }

  #expectNul(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    if (pos >= chunk.length) return pos;
    if (chunk[pos] !== NUL) throw malformed(`frame body is not followed by NUL at content-length ${this.#body.byteLength} (content-length does not match)`);
    const body = this.#body;
    this.#body = EMPTY;
    this.#bodyFill = 0;
    this.#emit(frames, body);
    return pos + 1;
  }

  #scanBody(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const nul = chunk.indexOf(NUL, pos);
    const end = nul < 0 ? chunk.length : nul;
    if (this.#partsLen + (end - pos) > this.#maxFrame) throw tooLarge(`frame body without content-length exceeds maxFrameSize ${this.#maxFrame}`);
    if (nul < 0) {
      this.#parts.push(chunk.subarray(pos));
      this.#partsLen += chunk.length - pos;
      return chunk.length;
    }
    this.#emit(frames, this.#joinParts(chunk.subarray(pos, nul)));
    return nul + 1;
  }

  #joinParts(last: Uint8Array): Uint8Array {
    if (this.#parts.length === 0) return last;
    const out = new Uint8Array(this.#partsLen + last.byteLength);
    let o = 0;
    for (const p of this.#parts) { out.set(p, o); o += p.byteLength; }
    out.set(last, o);
    this.#parts = [];
    this.#partsLen = 0;
    return out;
  }

  #emit(frames: Frame[], body: Uint8Array): void {
    frames.push({ command: this.#command, headers: this.#headers, body });
    this.#headers = emptyHeaders();
    this.#state = 'idle';
  }
}

function stripCR(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function unescapeHeader(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  let i = 0;
  for (;;) {
    const j = s.indexOf('\\', i);
    if (j < 0) return out + s.slice(i);
    out += s.slice(i, j);
    const c = s[j + 1];
    if (c === 'n') out += '\n';
    else if (c === 'r') out += '\r';
    else if (c === 'c') out += ':';
    else if (c === '\\') out += '\\';
    else throw malformed(c === undefined ? 'header ends with a lone backslash' : `undefined escape sequence \\${c} in header`);
    i = j + 2;
  }
}
