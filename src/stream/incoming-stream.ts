/**
 * One stream being received: a `ReadableStream` fed from the stream's fragment queue through
 * the {@link StreamVerifier} and the {@link CreditWindow}.
 *
 * Life cycle: subscribe to the fragment queue (prefetch = window) → wait for the first
 * message (it fixes `info.offset`) → the application reads; each `pull()` acknowledges what the
 * application finished with and hands out the next verified fragment → at the verified end
 * marker the readable closes, the fragment subscription ends and the announcement is
 * acknowledged, which lets the broker hand this consumer its next stream.
 * On an integrity error or `cancel()` the rest of the stream is drained (acknowledged
 * unread, up to its end or abort marker, or until nothing arrives for `drainTimeout`) before
 * the announcement is acknowledged, so a bad stream is not redelivered forever.
 * @module
 */
import { ConnectionError, ErrorCode, IntegrityError, InvalidOptionError, StompStreamsError } from '../errors.js';
import type { StompMessage, StompSession, Subscription } from '../stomp/session-types.js';
import { fromBase64 } from './base64.js';
import { CreditWindow, type CreditStats } from './credit-window.js';
import { decodeAbortReason, decodeFragment, type Announcement, type DataFragment, type EndFragment, type Fragment } from './fragment-codec.js';
import { ReorderBuffer } from './reorder-buffer.js';
import { ContentDigest, FragmentHasher } from './stream-hash.js';
import { StreamVerifier } from './stream-verifier.js';
import type { ResolvedConsumeOptions } from './stream-options.js';

/**
 * What a consumer knows about an incoming stream.
 *
 * @example
 * ```ts
 * for await (const s of session.streams('/queue/files')) console.log(s.info.name, s.info.size, s.info.offset);
 * ```
 */
export interface StreamInfo {
  /** Stream id. */
  id: string;
  /** Name given by the producer (untrusted: sanitise before using it as a path). */
  name: string;
  /** Total size, if the producer declared it. */
  size: number | undefined;
  /** MIME type, if given. */
  contentType: string | undefined;
  /** Application metadata. */
  metadata: Record<string, string>;
  /** Producer clock at stream start (epoch ms). */
  created: number;
  /** Delivery mode. */
  delivery: 'live' | 'complete';
  /** Fragment size used by the producer. */
  chunkSize: number;
  /** Announcement destination. */
  destination: string;
  /** Fragment destination. */
  fragmentDestination: string;
  /** First byte this consumer receives: 0, or where a previous consumer stopped. */
  offset: number;
  /** The announcement was delivered before (a previous consumer failed). */
  redelivered: boolean;
}

/**
 * Outcome of a fully received and verified stream.
 *
 * @example
 * ```ts
 * const r = await incoming.result; console.log(r.bytes, r.sha256);
 * ```
 */
export interface StreamResult {
  /** Stream id. */
  id: string;
  /** Total stream length (end marker). */
  length: number;
  /** Bytes this consumer delivered (length − offset). */
  bytes: number;
  /** Where this consumer started. */
  offset: number;
  /** Final chain value, verified. */
  chain: string;
  /** SHA-256 computed by this consumer over the whole content (only when `digest: 'sha256'` and offset 0). */
  sha256: string | undefined;
  /** SHA-256 the producer put in the end marker, if any. Compared with `sha256` when both exist. */
  producerSha256: string | undefined;
  /** Duplicated fragments dropped. */
  duplicates: number;
}

/**
 * Counters of an incoming stream.
 *
 * @example
 * ```ts
 * console.log(incoming.stats().maxHeldFragments);
 * ```
 */
export interface IncomingStats extends CreditStats {
  /** Bytes handed to the application. */
  bytesDelivered: number;
  /** Duplicates dropped. */
  duplicates: number;
  /** Fragments that arrived ahead of their turn and were held until the ones before them came (broker reordering). */
  reordered: number;
}

/** `unsettled`: manual commit only, the readable closed and the application has not committed the end yet. */
type State = 'reading' | 'ended' | 'unsettled' | 'draining' | 'done';

const DRAIN_TIMEOUT = 30_000;
/** Longest wait for a missing fragment once later ones arrived (ActiveMQ's reordered ones came within milliseconds). */
const GAP_WAIT = 5_000;

/**
 * A stream being received. Get one from `session.streams()` or `session.receive()`.
 *
 * @example
 * ```ts
 * const incoming = await session.receive('/queue/files');
 * await incoming.readable.pipeTo(sink); // resolves once the whole stream is verified
 * ```
 */
export class IncomingStream {
  /** What the producer announced, plus where this consumer starts. */
  readonly info: StreamInfo;
  /** The verified bytes. Errors with an {@link IntegrityError}, a `ConnectionError` or `ERR_STREAM_ABORTED`. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Settles with the verified outcome once the readable closed, or rejects with its error. */
  readonly result: Promise<StreamResult>;
  /** Settles when this consumer is done with the stream (announcement acknowledged). @internal */
  readonly finished: Promise<void>;
  #session: StompSession;
  #announcement: StompMessage;
  #a: Announcement;
  #sub!: Subscription;
  #verifier: StreamVerifier;
  #window: CreditWindow<{ msg: StompMessage; bytes: Uint8Array; end: number }>;
  #manual: boolean;
  /** Manual commit: finished fragments waiting for commit(offset). */
  #held: { msg: StompMessage; end: number }[] = [];
  #committed = 0;
  #digest: ContentDigest | undefined;
  #state: State = 'reading';
  #end: { f: EndFragment; msg: StompMessage } | undefined;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  #first: { resolve: () => void } | undefined;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #settleResult!: { resolve: (r: StreamResult) => void; reject: (e: unknown) => void };
  #settleFinished!: () => void;
  /** Resolves when the stream reaches `unsettled`. */
  #unsettled: Promise<void>;
  #onUnsettled!: () => void;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  /** Fragments that arrived ahead of their turn, and how long to wait for the missing ones. */
  #ahead: ReorderBuffer<{ msg: StompMessage; f: DataFragment | EndFragment }>;
  #gapTimer: ReturnType<typeof setTimeout> | undefined;
  #gapWait: number;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** When this consumer began waiting for data; undefined while it is not waiting. */
  #waitingSince: number | undefined;
  #idleTimeout: number;
  #delivered = 0;
  #duplicates = 0;
  #reordered = 0;
  /** Runs once this consumer is done with the stream for good (deletes a retained stream's queue). */
  #cleanup: (() => Promise<void>) | undefined;

  /** @internal */
  constructor(
    session: StompSession, announcement: StompMessage, a: Announcement, hasher: FragmentHasher, opts: ResolvedConsumeOptions,
    digest: ContentDigest | undefined, redelivered = announcement.redelivered, cleanup?: () => Promise<void>,
  ) {
    this.#session = session;
    this.#cleanup = cleanup;
    this.#announcement = announcement;
    this.#a = a;
    this.#digest = digest;
    this.#verifier = new StreamVerifier(hasher, Math.min(opts.maxChunkSize, a.chunkSize), a.size, redelivered);
    this.#window = new CreditWindow(opts.window);
    this.#idleTimeout = opts.idleTimeout;
    this.#ahead = new ReorderBuffer(opts.window);
    this.#gapWait = opts.idleTimeout > 0 ? Math.min(opts.idleTimeout, GAP_WAIT) : GAP_WAIT;
    this.#manual = opts.commit === 'manual';
    this.info = infoOf(a, announcement, redelivered);
    this.result = new Promise((resolve, reject) => { this.#settleResult = { resolve, reject }; });
    this.result.catch(() => undefined);
    this.finished = new Promise((resolve) => { this.#settleFinished = resolve; });
    this.#unsettled = new Promise((resolve) => { this.#onUnsettled = resolve; });
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => { this.#controller = c; },
      pull: () => this.#pull(),
      cancel: (reason) => this.#cancel(reason),
    }, { highWaterMark: 0 });
  }

  /**
   * Subscribes to the fragment queue and waits for the first message. @internal
   */
  async open(window: number): Promise<void> {
    const first = new Promise<void>((resolve) => { this.#first = { resolve }; });
    const p = this.#session.profile;
    this.#sub = this.#session.subscribe(this.#a.fragments, (m) => this.#onMessage(m), {
      ack: 'client-individual',
      prefetch: window,
      prefetchBytes: this.#a.chunkSize,
      // A retained stream (RabbitMQ stream queue) is always read from its first fragment.
      headers: { ...p.exclusiveHeaders, ...this.#a.queueHeaders, ...(this.#a.retained ? { 'x-stream-offset': 'first' } : {}) },
      // A lost connection fails this stream (it comes back through the resume path): the
      // announcement lease went with the connection, so another consumer may own it now.
      resubscribe: false,
    });
    void this.#sub.closed.then((err) => { if (err) this.#fail(err); });
    this.#armIdle();
    await first;
    this.info.offset = this.#verifier.startOffset;
  }

  /** Live counters. */
  stats(): IncomingStats {
    return { ...this.#window.stats(), bytesDelivered: this.#delivered, duplicates: this.#duplicates, reordered: this.#reordered };
  }

  #onMessage(msg: StompMessage): void {
    this.#disarmIdle();
    if (this.#state === 'draining') return this.#drainOne(msg);
    if (this.#state !== 'reading') return;
    try {
      this.#receive(msg);
      if (!this.#verifier.started) this.#armIdle(); // only keepalives so far: still waiting
    } catch (err) {
      this.#fail(err as Error);
      this.#drainOne(msg);
    }
  }

  /** Verifies `msg` now, or holds it until the fragments before it have arrived. */
  #receive(msg: StompMessage): void {
    const f = decodeFragment(msg.headers, this.#a.id, this.#a.hash, this.#verifier.offset);
    // Ahead of its turn: after the start, or before it on a stream that must start at 0.
    const mustStartAtZero = !this.info.redelivered;
    if ((f.type === 'data' || f.type === 'end') && f.seq > this.#verifier.nextSeq && (this.#verifier.started || mustStartAtZero)) {
      return this.#holdAhead(msg, f);
    }
    this.#verify(msg, f);
    for (let next = this.#ahead.take(this.#verifier.nextSeq); next; next = this.#ahead.take(this.#verifier.nextSeq)) {
      this.#verify(next.msg, next.f);
    }
    if (this.#ahead.size === 0) clearTimeout(this.#gapTimer);
  }

  /**
   * A fragment ahead of its turn (see {@link ReorderBuffer}): held until the missing ones
   * arrive, for at most the gap wait; a gap once no more can arrive.
   */
  #holdAhead(msg: StompMessage, f: DataFragment | EndFragment): void {
    const r = this.#ahead.hold(f.seq, { msg, f });
    if (r.kind === 'full') throw this.#gapError(`the ${this.#ahead.size} fragments after it arrived first`);
    if (r.kind === 'again') {
      const same = r.held.f.type === f.type && (f.type !== 'data' || (r.held.f as DataFragment).hash === f.hash);
      if (!same) throw new IntegrityError(ErrorCode.Sequence, `fragment ${f.seq} arrived twice with different content`, this.#verifier.offset);
      this.#duplicates++;
      this.#ackNow(msg);
      return;
    }
    this.#reordered++;
    if (this.#ahead.size === 1) this.#gapTimer = setTimeout(() => this.#fail(this.#gapError(`none came within ${this.#gapWait} ms`)), this.#gapWait);
  }

  #gapError(why: string): IntegrityError {
    return new IntegrityError(ErrorCode.Gap, `expected fragment ${this.#verifier.nextSeq} (byte ${this.#verifier.offset}), got fragment ${this.#ahead.lowest()} and later ones: fragments are missing (${why})`, this.#verifier.offset);
  }

  #verify(msg: StompMessage, f: Fragment): void {
    const body = f.type === 'data' && f.encoding === 'base64' ? this.#decode64(msg.body) : msg.body;
    const v = this.#verifier.accept(f, body);
    if (this.#verifier.started) this.#first?.resolve();
    switch (v.kind) {
      case 'data': this.#window.push({ msg, bytes: v.bytes, end: this.#verifier.offset }, v.bytes.byteLength); break;
      case 'duplicate': this.#duplicates++; this.#ackNow(msg); break;
      case 'keepalive': this.#ackNow(msg); break;
      case 'end': this.#end = { f: v.end, msg }; this.#state = 'ended'; break;
      case 'abort': throw new StompStreamsError(ErrorCode.StreamAborted, 'the producer aborted the stream', { cause: decodeAbortReason(msg.body) });
    }
    this.#wakeUp();
  }

  #decode64(body: Uint8Array): Uint8Array {
    const bytes = fromBase64(body);
    if (!bytes) throw new IntegrityError(ErrorCode.Protocol, 'fragment body is not valid base64', this.#verifier.offset);
    return bytes;
  }

  async #pull(): Promise<void> {
    for (;;) {
      this.#ackFinished();
      if (this.#failure) return this.#controller.error(this.#failure);
      const next = this.#window.next();
      if (next) return this.#deliver(next.bytes);
      if (this.#state === 'ended') return this.#complete();
      this.#armIdle();
      await new Promise<void>((resolve) => { this.#wake = resolve; });
    }
  }

  #deliver(bytes: Uint8Array): void {
    this.#digest?.update(bytes);
    this.#delivered += bytes.byteLength;
    this.#controller.enqueue(bytes);
  }

  #ackFinished(): void {
    const done = this.#window.finished();
    if (this.#manual && this.#state !== 'draining') {
      this.#held.push(...done);
      this.#ackCommitted();
      return;
    }
    for (const f of done) this.#ack(f.msg);
  }

  /**
   * Manual commit (`commit: 'manual'`): acknowledges every fragment the application has read
   * whose last byte lies before `offset`, so a consumer that dies later resumes there. Offsets
   * are stream offsets (`info.offset` + bytes read).
   *
   * The stream itself is finished (its announcement acknowledged, so it can never come back)
   * only by a commit of its whole `length` made after the readable closed, or when the
   * application asks the iterator for the next stream. Leaving the loop (`break`, `return()`)
   * without that commit hands the stream back: the next consumer resumes it at the first
   * uncommitted byte. So a consumer killed between storing the last bytes and finishing its
   * own bookkeeping (renaming a file, say) never loses the stream.
   *
   * @example
   * ```ts
   * const s = await session.receive('/queue/files', { commit: 'manual' });
   * // … after the sink durably stored bytes up to `stored`:
   * s.commit(stored);
   * // … after the readable closed and the application is done with the whole stream:
   * s.commit((await s.result).length);
   * ```
   */
  commit(offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidOptionError('offset', `expected a non-negative integer, got ${offset}`);
    this.#committed = Math.max(this.#committed, offset);
    if (this.#state === 'unsettled' && this.#end && offset >= this.#end.f.length) {
      void this.#settle();
      return;
    }
    this.#ackCommitted();
  }

  /**
   * The consumer is moving on: waits until the stream is finished or ended unsettled, then
   * settles it (`settle`, the application asked for the next stream) or hands it back without
   * acknowledging its end (the application left the loop). @internal
   */
  async release(settle: boolean): Promise<void> {
    await Promise.race([this.finished, this.#unsettled]);
    if (this.#state === 'unsettled') await (settle ? this.#settle() : this.#giveBack());
    await this.finished;
  }

  #ackCommitted(): void {
    while (this.#held.length > 0 && (this.#held[0] as { end: number }).end <= this.#committed) {
      this.#ack((this.#held.shift() as { msg: StompMessage }).msg);
    }
  }

  #ackAllHeld(): void {
    for (const h of this.#held.splice(0)) this.#ack(h.msg);
  }

  #ackNow(msg: StompMessage): void {
    this.#window.countAck();
    this.#ack(msg);
  }

  /** ACK without waiting; a failed ACK means the session died, which fails the stream anyway. */
  #ack(msg: StompMessage): void {
    void this.#session.ack(msg).catch(() => undefined);
  }

  /**
   * The producer-timeout clock runs only while this consumer is waiting for data (opening, or
   * the application asked for bytes and none are buffered), so a slow application never
   * trips it: its window is full and the broker rightly sends nothing.
   *
   * The clock is lazy: arriving fragments only clear `#waitingSince`, and one timer checks it
   * at the deadline and re-arms for the remainder. Setting and clearing a timer per fragment
   * cost about 10 % of the consumer's CPU on RabbitMQ/TCP (512 MiB, idleTimeout 30 s against 0).
   */
  #armIdle(): void {
    if (this.#idleTimeout <= 0 || this.#state !== 'reading') return;
    this.#waitingSince ??= Date.now();
    if (this.#idleTimer === undefined) this.#scheduleIdleCheck(this.#idleTimeout);
  }

  #scheduleIdleCheck(ms: number): void {
    this.#idleTimer = setTimeout(() => this.#idleCheck(), ms);
  }

  #idleCheck(): void {
    this.#idleTimer = undefined;
    if (this.#state !== 'reading' || this.#waitingSince === undefined) return;
    const waited = Date.now() - this.#waitingSince;
    if (waited < this.#idleTimeout) return this.#scheduleIdleCheck(this.#idleTimeout - waited);
    this.#fail(new StompStreamsError(ErrorCode.ProducerTimeout,
      `no fragment or keepalive for ${waited} ms after byte ${this.#verifier.offset}: the producer is presumed dead`));
  }

  /** Data arrived: the clock stops (the pending check finds nothing to do). */
  #disarmIdle(): void {
    this.#waitingSince = undefined;
  }

  /** The stream is over for this consumer: no check may keep the event loop alive. */
  #stopIdle(): void {
    this.#waitingSince = undefined;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    clearTimeout(this.#gapTimer);
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async #complete(): Promise<void> {
    const end = this.#end as { f: EndFragment; msg: StompMessage };
    this.#state = 'done';
    this.#stopIdle();
    const result = this.#resultOf(end.f);
    if (result.sha256 && result.producerSha256 && result.sha256 !== result.producerSha256) {
      this.#failure = new IntegrityError(ErrorCode.HashMismatch, `SHA-256 ${result.sha256} differs from the producer's ${result.producerSha256}`, end.f.length);
      this.#controller.error(this.#failure);
      this.#settleResult.reject(this.#failure);
    } else {
      this.#controller.close();
      this.#settleResult.resolve(result);
      if (this.#manual) return this.#awaitFinalCommit();
    }
    await this.#settle();
  }

  /** Manual commit: the end waits for the application (see {@link commit}). */
  #awaitFinalCommit(): void {
    this.#state = 'unsettled';
    this.#ackCommitted();
    this.#onUnsettled();
  }

  /** Acknowledges the rest, the announcement, then the end marker, and lets the stream go. */
  async #settle(): Promise<void> {
    const end = this.#end as { f: EndFragment; msg: StompMessage };
    this.#state = 'done';
    this.#ackAllHeld();
    // The announcement first, then the end marker (the other order would hand a next consumer
    // an announcement whose fragments are gone: it would wait idleTimeout). Both frames are
    // written in this tick, one behind the other, before waiting for the receipt: waiting
    // between them let a consumer killed in that gap leave its end marker on the broker (seen
    // once in the ActiveMQ many-streams kill suite).
    const announcementAcked = this.#session.ack(this.#announcement, { receipt: true }).then(() => true, () => false);
    this.#ackNow(end.msg);
    await this.#release(await announcementAcked);
  }

  /** Lets an unsettled stream go unacknowledged: the broker hands it to the next consumer. */
  async #giveBack(): Promise<void> {
    this.#state = 'done';
    await this.#sub.unsubscribe().catch(() => undefined);
    this.#settleFinished();
  }

  #resultOf(end: EndFragment): StreamResult {
    return {
      id: this.#a.id,
      length: end.length,
      bytes: this.#delivered,
      offset: this.info.offset,
      chain: end.chain,
      sha256: this.info.offset === 0 ? this.#digest?.hex() : undefined,
      producerSha256: end.sha256,
      duplicates: this.#duplicates,
    };
  }

  /** Ends the fragment subscription and acknowledges the announcement (unless done already). */
  async #release(announcementAcked = false): Promise<void> {
    clearTimeout(this.#drainTimer);
    try {
      await this.#sub.unsubscribe();
      if (!announcementAcked) await this.#session.ack(this.#announcement, { receipt: true });
      await this.#cleanup?.();
    } catch {
      // The session failed: the broker redelivers the announcement to another consumer.
    } finally {
      this.#settleFinished();
    }
  }

  /** Fails the stream with `err` and drains the rest (a poison stream). @internal */
  giveUp(err: StompStreamsError): void {
    this.#fail(err);
  }

  #fail(err: Error): void {
    if (this.#state === 'unsettled') { // the readable closed already; the session is gone: nothing to acknowledge
      this.#state = 'done';
      this.#settleFinished();
      return;
    }
    if (this.#state === 'done' || this.#failure) return;
    this.#stopIdle();
    this.#failure = err;
    this.#first?.resolve(); // the stream is still handed out: its readable carries the error
    this.#controller.error(err);
    this.#wakeUp();
    this.#settleResult.reject(err);
    if (err instanceof ConnectionError) {
      this.#state = 'done';
      this.#settleFinished();
      return;
    }
    this.#startDrain();
  }

  async #cancel(reason: unknown): Promise<void> {
    if (this.#state === 'done') return;
    this.#failure ??= new StompStreamsError(ErrorCode.Aborted, 'stream cancelled by the consumer', { cause: reason });
    this.#settleResult.reject(this.#failure);
    this.#startDrain();
  }

  /** Acknowledge everything, unread, until the end/abort marker or silence. */
  #startDrain(): void {
    const wasEnded = this.#state === 'ended';
    this.#state = 'draining';
    this.#stopIdle();
    // Hand every buffered fragment out unread, then acknowledge each exactly once
    // (RabbitMQ closes the channel on a second ACK of the same delivery).
    while (this.#window.next()) { /* moved to the handed-out set */ }
    this.#ackFinished();
    this.#ackAllHeld();
    const heldEnd = this.#ackAhead();
    if (wasEnded && this.#end) {
      this.#ackNow(this.#end.msg);
      void this.#release();
      return;
    }
    if (heldEnd) {
      this.#state = 'done';
      void this.#release();
      return;
    }
    this.#armDrainTimer();
  }

  /** Acknowledges the fragments held ahead of their turn; true if the end marker was among them. */
  #ackAhead(): boolean {
    let end = false;
    for (const h of this.#ahead.clear()) {
      this.#ackNow(h.msg);
      end ||= h.f.type === 'end';
    }
    return end;
  }

  #drainOne(msg: StompMessage): void {
    this.#ackNow(msg);
    const type = msg.headers['ss-type'];
    if (msg.headers['ss-id'] === this.#a.id && (type === 'end' || type === 'abort')) {
      this.#state = 'done';
      void this.#release();
      return;
    }
    this.#armDrainTimer();
  }

  #armDrainTimer(): void {
    clearTimeout(this.#drainTimer);
    this.#drainTimer = setTimeout(() => {
      if (this.#state !== 'draining') return;
      this.#state = 'done';
      void this.#release();
    }, this.#idleTimeout > 0 ? Math.min(this.#idleTimeout, DRAIN_TIMEOUT) : DRAIN_TIMEOUT);
  }
}

function infoOf(a: Announcement, msg: StompMessage, redelivered: boolean): StreamInfo {
  return {
    id: a.id, name: a.name, size: a.size, contentType: a.contentType, metadata: a.metadata, created: a.created,
    delivery: a.delivery, chunkSize: a.chunkSize, destination: msg.destination, fragmentDestination: a.fragments,
    offset: 0, redelivered,
  };
}
