/**
 * The producer: a WHATWG `WritableStream` that cuts whatever it is written into fragments
 * of `chunkSize` bytes and sends them, hashed and chained, to the stream's fragment queue.
 *
 * Backpressure: `write()` resolves once the fragment is handed to the session and fewer than
 * `window` fragments of this stream await a broker receipt; the session adds its own limits
 * (receipts in flight across streams, bytes queued in the socket). So a slow broker or a slow
 * consumer (through broker flow control) slows `write()`, and the producer holds at most
 * one partial fragment plus what the socket buffers.
 *
 * Copies: writes of at least `chunkSize` bytes are sent as views (the frame encoder copies
 * once); smaller writes are gathered into one reusable fragment buffer first.
 * @module
 */
import { ErrorCode, InvalidOptionError, StompStreamsError, abortError } from '../errors.js';
import type { SendHeaders, StompSession } from '../stomp/session-types.js';
import { toBase64 } from './base64.js';
import {
  abortHeaders, announceHeaders, dataHeaders, encodeAbortReason, encodeAnnouncement, endHeaders, keepaliveHeaders,
  type Announcement, type BodyEncoding,
} from './fragment-codec.js';
import { CHAIN_START, ContentDigest, FragmentHasher } from './stream-hash.js';
import type { ResolvedWritableOptions } from './stream-options.js';

/**
 * What a finished stream reports to its producer.
 *
 * @example
 * ```ts
 * const receipt = await session.send('/queue/files', new Uint8Array(10));
 * console.log(receipt.id, receipt.bytes, receipt.fragments);
 * ```
 */
export interface StreamReceipt {
  /** Stream id. */
  id: string;
  /** Announcement destination. */
  destination: string;
  /** Fragment destination. */
  fragmentDestination: string;
  /** Bytes sent. */
  bytes: number;
  /** Data fragments sent. */
  fragments: number;
  /** Final chain value (as in the end marker). */
  chain: string;
  /** SHA-256 of the content, when `digest: 'sha256'` was asked for. */
  sha256: string | undefined;
}

/**
 * Live counters of one producer (for tests and monitoring).
 *
 * @example
 * ```ts
 * const w = session.writable('/queue/files');
 * console.log(w.stats().maxUnreceiptedFragments);
 * ```
 */
export interface ProducerStats {
  /** Bytes accepted from the source. */
  bytesWritten: number;
  /** Data fragments sent. */
  fragmentsSent: number;
  /** Fragments awaiting a broker receipt now. */
  unreceiptedFragments: number;
  /** Most fragments ever awaiting a receipt at once. */
  maxUnreceiptedFragments: number;
  /** Bytes of fragments awaiting a receipt now. */
  unreceiptedBytes: number;
  /** Most bytes ever awaiting a receipt at once. */
  maxUnreceiptedBytes: number;
}

/** @internal */
export interface ProducerTarget {
  session: StompSession;
  destination: string;
  fragmentDestination: string;
  id: string;
}

/** Sends one stream. Created by `StreamSession.writable()`. @internal */
export class StreamProducer {
  readonly id: string;
  readonly writable: WritableStream<Uint8Array>;
  readonly done: Promise<StreamReceipt>;
  #t: ProducerTarget;
  #o: ResolvedWritableOptions;
  #encoding: BodyEncoding;
  /** Queue arguments every frame on the fragment queue repeats (RabbitMQ needs them identical). */
  #queueHeaders: Record<string, string>;
  /** Broker headers that are the same on every fragment (persistence, queue arguments). */
  #fixedHeaders: SendHeaders;
  #hasher!: FragmentHasher;
  #digest: ContentDigest | undefined;
  #buffer: Uint8Array | undefined;
  #fill = 0;
  #seq = 0;
  #offset = 0;
  #chain = CHAIN_START;
  #inflight: Promise<void>[] = [];
  #failure: unknown;
  #controller!: WritableStreamDefaultController;
  #keepaliveTimer: ReturnType<typeof setInterval> | undefined;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  #lastSent = Date.now();
  #resolveDone!: (r: StreamReceipt) => void;
  #rejectDone!: (e: unknown) => void;
  #stats: ProducerStats = {
    bytesWritten: 0, fragmentsSent: 0, unreceiptedFragments: 0, maxUnreceiptedFragments: 0, unreceiptedBytes: 0, maxUnreceiptedBytes: 0,
  };

  constructor(target: ProducerTarget, options: ResolvedWritableOptions) {
    this.#t = target;
    this.#o = options;
    this.id = target.id;
    this.#encoding = options.encoding === 'auto' ? (target.session.textOnly ? 'base64' : 'binary') : options.encoding;
    if (this.#encoding === 'binary' && target.session.textOnly) {
      throw new InvalidOptionError('encoding', 'the session is text-only: binary bodies would be mangled; use "base64" or "auto"');
    }
    const profile = target.session.profile;
    if (options.retain && !profile.retainsFragments) {
      throw new InvalidOptionError('retain', `${profile.name} cannot keep acknowledged fragments; only RabbitMQ can (stream queues)`);
    }
    this.#queueHeaders = options.retain ? { ...profile.retainedQueueHeaders } : profile.fragmentQueueHeaders(options.ttl);
    this.#fixedHeaders = { ...profile.persistentHeaders, ...this.#queueHeaders };
    this.done = new Promise((resolve, reject) => { this.#resolveDone = resolve; this.#rejectDone = reject; });
    this.done.catch(() => undefined);
    this.writable = new WritableStream<Uint8Array>({
      start: (c) => this.#start(c),
      write: (chunk) => this.#write(chunk),
      close: () => this.#close(),
      abort: (reason) => this.#abort(reason),
    }, { highWaterMark: 1 });
  }

  /** Live counters. */
  stats(): ProducerStats {
    return { ...this.#stats };
  }

  async #start(controller: WritableStreamDefaultController): Promise<void> {
    this.#controller = controller;
    const signal = this.#o.signal;
    if (signal?.aborted) throw abortError(signal, 'stream');
    signal?.addEventListener('abort', () => this.#onSignal(signal), { once: true });
    this.#hasher = await FragmentHasher.create(this.#o.hash);
    if (this.#o.digest) this.#digest = await ContentDigest.create();
    if (this.#o.delivery === 'live') {
      await this.#announce();
      this.#startKeepalive();
    }
  }

  /** Live delivery: a keepalive whenever nothing was sent for `keepalive` ms. */
  #startKeepalive(): void {
    const every = this.#o.keepalive;
    if (every <= 0) return;
    this.#keepaliveTimer = setInterval(() => {
      if (Date.now() - this.#lastSent < every) return;
      this.#lastSent = Date.now();
      const p = this.#t.session.profile;
      const headers = { ...keepaliveHeaders(this.id, this.#seq), ...p.expiryHeaders(this.#o.ttl, Date.now()), ...this.#queueHeaders };
      this.#t.session.send(this.#t.fragmentDestination, new Uint8Array(0), headers, { receipt: false }).catch(() => undefined);
    }, Math.max(100, Math.floor(every / 2)));
    (this.#keepaliveTimer as { unref?: () => void }).unref?.();
  }

  #stopKeepalive(): void {
    clearInterval(this.#keepaliveTimer);
    this.#keepaliveTimer = undefined;
  }

  #onSignal(signal: AbortSignal): void {
    const err = abortError(signal, 'stream');
    this.#controller.error(err);
    void this.#abort(signal.reason);
  }

  async #write(chunk: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    const bytes = asBytes(chunk);
    this.#stats.bytesWritten += bytes.byteLength;
    const size = this.#o.chunkSize;
    let pos = 0;
    while (pos < bytes.byteLength) {
      if (this.#fill === 0 && bytes.byteLength - pos >= size) {
        await this.#sendData(bytes.subarray(pos, pos + size));
        pos += size;
        continue;
      }
      const buffer = (this.#buffer ??= new Uint8Array(size));
      const n = Math.min(size - this.#fill, bytes.byteLength - pos);
      buffer.set(bytes.subarray(pos, pos + n), this.#fill);
      this.#fill += n;
      pos += n;
      if (this.#fill === size) await this.#flush();
    }
    this.#armLinger();
  }

  /**
   * Live delivery: a partly filled fragment goes out at the latest `linger` ms after its first
   * byte was written. Every await in `#write` happens with an empty buffer, so the timer can
   * never cut a fragment that a write is still filling.
   */
  #armLinger(): void {
    if (this.#fill === 0 || this.#lingerTimer !== undefined || this.#o.delivery !== 'live') return;
    if (this.#o.linger === 0) return void this.#emitBuffered();
    this.#lingerTimer = setTimeout(() => {
      this.#lingerTimer = undefined;
      this.#emitBuffered();
    }, this.#o.linger);
  }

  #stopLinger(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
  }

  /** Sends the partly filled fragment now; the next write waits for window room. */
  #emitBuffered(): void {
    if (this.#failure !== undefined) return;
    const body = this.#takeBuffered();
    if (body) this.#emit(body);
  }

  async #flush(): Promise<void> {
    this.#stopLinger();
    const body = this.#takeBuffered();
    if (body) await this.#sendData(body);
  }

  /** The partly filled fragment, if any; send() copies it synchronously, so the buffer is free again at once. */
  #takeBuffered(): Uint8Array | undefined {
    if (this.#fill === 0 || !this.#buffer) return undefined;
    const body = this.#buffer.subarray(0, this.#fill);
    this.#fill = 0;
    return body;
  }

  async #sendData(body: Uint8Array): Promise<void> {
    this.#emit(body);
    await this.#windowRoom();
  }

  /** Hashes, sends and counts one data fragment (synchronously: the body is copied into the frame). */
  #emit(body: Uint8Array): void {
    const hash = this.#hasher.hash(body);
    this.#digest?.update(body);
    const headers = { ...dataHeaders(this.id, this.#seq, this.#offset, hash, this.#chain, this.#encoding), ...this.#brokerHeaders() };
    const payload = this.#encoding === 'base64' ? toBase64(body) : body;
    this.#track(this.#t.session.send(this.#t.fragmentDestination, payload, headers), body.byteLength);
    this.#lastSent = Date.now();
    this.#chain = this.#hasher.chain(this.#chain, hash);
    this.#seq++;
    this.#offset += body.byteLength;
    this.#stats.fragmentsSent++;
  }

  /** Broker headers of a fragment: the fixed ones plus an expiry (absolute on ActiveMQ, so per message). */
  #brokerHeaders(): SendHeaders {
    return { ...this.#fixedHeaders, ...this.#t.session.profile.expiryHeaders(this.#o.ttl, Date.now()) };
  }

  #track(receipt: Promise<void>, bytes: number): void {
    const s = this.#stats;
    s.unreceiptedFragments++;
    s.unreceiptedBytes += bytes;
    s.maxUnreceiptedFragments = Math.max(s.maxUnreceiptedFragments, s.unreceiptedFragments);
    s.maxUnreceiptedBytes = Math.max(s.maxUnreceiptedBytes, s.unreceiptedBytes);
    this.#inflight.push(receipt.then(
      () => { s.unreceiptedFragments--; s.unreceiptedBytes -= bytes; },
      (err: unknown) => { this.#failure ??= err; },
    ));
  }

  async #windowRoom(): Promise<void> {
    while (this.#inflight.length >= this.#o.window) await this.#inflight.shift();
    this.#throwIfFailed();
  }

  async #drain(): Promise<void> {
    await Promise.all(this.#inflight.splice(0));
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  async #close(): Promise<void> {
    this.#stopKeepalive();
    try {
      await this.#flush();
      if (this.#o.size !== undefined && this.#o.size !== this.#offset) {
        throw new InvalidOptionError('size', `declared ${this.#o.size} bytes but ${this.#offset} were written`);
      }
      const sha256 = this.#digest?.hex();
      const end = endHeaders(this.id, this.#seq, this.#offset, this.#chain, sha256);
      this.#track(this.#t.session.send(this.#t.fragmentDestination, new Uint8Array(0), { ...end, ...this.#brokerHeaders() }), 0);
      await this.#drain();
      if (this.#o.delivery === 'complete') await this.#announce();
      this.#resolveDone(this.#receipt(sha256));
    } catch (err) {
      await this.#abort(err);
      throw err;
    }
  }

  #receipt(sha256: string | undefined): StreamReceipt {
    return {
      id: this.id, destination: this.#t.destination, fragmentDestination: this.#t.fragmentDestination,
      bytes: this.#offset, fragments: this.#seq, chain: this.#chain, sha256,
    };
  }

  async #abort(reason: unknown): Promise<void> {
    this.#stopKeepalive();
    this.#stopLinger();
    if (this.#failure === undefined) this.#failure = new StompStreamsError(ErrorCode.StreamAborted, 'stream aborted by the producer', { cause: reason });
    this.#rejectDone(this.#failure);
    const headers = { ...abortHeaders(this.id, this.#seq), ...this.#brokerHeaders() };
    await this.#t.session.send(this.#t.fragmentDestination, encodeAbortReason(reason), headers).catch(() => undefined);
  }

  async #announce(): Promise<void> {
    const o = this.#o;
    const p = this.#t.session.profile;
    const a: Announcement = {
      id: this.id, fragments: this.#t.fragmentDestination, name: o.name, contentType: o.contentType, size: o.size,
      metadata: o.metadata, created: Date.now(), chunkSize: o.chunkSize, hash: o.hash, encoding: this.#encoding,
      delivery: o.delivery, ttl: o.ttl, queueHeaders: this.#queueHeaders, retained: o.retain || undefined,
    };
    const headers = { ...announceHeaders(this.id), ...p.persistentHeaders, ...p.expiryHeaders(o.ttl, Date.now()) };
    await this.#t.session.send(this.#t.destination, encodeAnnouncement(a), headers);
  }
}

function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new StompStreamsError(ErrorCode.InvalidOption, `chunks written to a stomp-streams writable must be Uint8Array, ArrayBuffer or a typed array, got ${typeof chunk}`);
}
