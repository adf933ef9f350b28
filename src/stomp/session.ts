/**
 * The package's own STOMP 1.2 session: CONNECT, SEND with receipts and a bounded window,
 * SUBSCRIBE/ACK/NACK, transactions, heart-beats, DISCONNECT — over any {@link Transport}.
 *
 * Failure model: any fatal event (ERROR frame, malformed frame, socket loss, heart-beat
 * timeout) goes through one path, `#fail()`, which rejects every awaited receipt and waiting
 * sender, ends every subscription with the error, and settles `closed` with it.
 * @module
 */
import { BrokerError, ConnectionError, ErrorCode, StompStreamsError, abortError } from '../errors.js';
import { profileFor, type BrokerProfile } from './broker-profile.js';
import { connectorFor } from './connectors.js';
import { emptyHeaders, type Frame, type FrameHeaders } from './frame.js';
import { FrameDecoder, HEARTBEAT_EOL, allocBytes, encodeFrame, encodeFrameWith } from './frame-codec.js';
import { FramePool } from './frame-pool.js';
import { Heartbeat, negotiateHeartbeat } from './heartbeat.js';
import { toStompMessage } from './message.js';
import { ReconnectingSession } from './reconnecting-session.js';
import { ReceiptWindow } from './receipt-window.js';
import { resolveSessionOptions, type ResolvedSessionOptions, type SessionOptions } from './session-options.js';
import type {
  AckOptions, SendHeaders, SendOptions, SessionStats, StompMessage, StompSession, SubscribeOptions, Subscription, Transaction,
} from './session-types.js';
import type { Transport } from './transport.js';

/**
 * Opens a STOMP 1.2 session to `url` (`ws://`, `wss://`, `tcp://`, `stomp://`, `tls://`,
 * `stomp+ssl://`). Rejects with {@link InvalidOptionError}, {@link ConnectionError} or
 * {@link BrokerError} (e.g. bad credentials).
 *
 * @example
 * ```ts
 * import { openStompSession } from 'stomp-streams';
 * const s = await openStompSession('ws://127.0.0.1:15674/ws', { login: 'guest', passcode: 'guest' });
 * s.subscribe('/queue/demo', (m) => void s.ack(m), { prefetch: 4 });
 * await s.send('/queue/demo', 'hello');
 * await s.disconnect();
 * ```
 */
export async function openStompSession(url: string | URL, options?: SessionOptions): Promise<StompSession> {
  return openResolved(url, resolveSessionOptions(options));
}

/** Opens a session from validated options: a reconnecting one if `reconnect` is set. @internal */
export async function openResolved(url: string | URL, opts: ResolvedSessionOptions): Promise<StompSession> {
  const { url: parsed, connector } = connectorFor(url);
  const connectWith = opts.transport ?? connector;
  if (!opts.reconnect) return openNative(parsed, connectWith, opts);
  // Later attempts do not use the caller's signal: it was meant for the first connect.
  const open = (first: boolean) => openNative(parsed, connectWith, first ? opts : { ...opts, signal: undefined });
  return ReconnectingSession.start(open, opts.reconnect);
}

/** One connection, no reconnect. @internal */
export async function openNative(url: URL, connector: NonNullable<ResolvedSessionOptions['transport']>, opts: ResolvedSessionOptions): Promise<NativeSession> {
  const session = new NativeSession(opts);
  await session.open(url, connector);
  return session;
}

/** A session over one transport connection. @internal */
export class NativeSession implements StompSession {
  profile: BrokerProfile = profileFor('generic');
  connected: FrameHeaders = emptyHeaders();
  readonly closed: Promise<Error | undefined>;
  #opts: ResolvedSessionOptions;
  #transport: Transport | undefined;
  #decoder: FrameDecoder;
  /** Memory of receipted SEND frames, reused for the next ones. */
  readonly #frames = new FramePool(allocBytes);
  #window: ReceiptWindow;
  #heartbeat: Heartbeat | undefined;
  #subs = new Map<string, SubscriptionImpl>();
  #onConnected: ((frame: Frame) => void) | undefined;
  #settleClosed!: (err: Error | undefined) => void;
  #ended = false;
  #disconnecting = false;
  #nextId = 0;
  #stats = { framesSent: 0, messagesReceived: 0, heartbeatsReceived: 0 };

  constructor(opts: ResolvedSessionOptions) {
    this.#opts = opts;
    this.#decoder = new FrameDecoder({ maxFrameSize: opts.maxFrameSize });
    this.#window = new ReceiptWindow(opts.maxUnreceipted, opts.highWaterMark, () => this.#transport?.bufferedAmount ?? 0);
    this.closed = new Promise((resolve) => { this.#settleClosed = resolve; });
  }

  get textOnly(): boolean {
    return this.#transport?.textOnly ?? false;
  }

  /** Opens the transport, sends CONNECT and waits for CONNECTED. @internal */
  async open(url: URL, connector: NonNullable<ResolvedSessionOptions['transport']>): Promise<void> {
    const { signal, connectTimeout } = this.#opts;
    if (signal?.aborted) throw abortError(signal, 'connect');
    this.#transport = await connector(url, {
      data: (chunk) => this.#onData(chunk),
      close: (err) => this.#onTransportClose(err),
      drain: () => this.#window.wake(),
    }, { signal, timeout: connectTimeout, protocols: this.#opts.protocols, textOnly: this.#opts.textOnly });
    // Nothing arrives before CONNECT is sent, so the decoder can still learn how to treat chunks.
    if (this.#transport.reusesChunks) this.#decoder = new FrameDecoder({ maxFrameSize: this.#opts.maxFrameSize, transientChunks: true });
    const frame = await this.#awaitConnected(url);
    this.#handshakeDone(frame);
  }

  #awaitConnected(url: URL): Promise<Frame> {
    const { signal, connectTimeout } = this.#opts;
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new ConnectionError(ErrorCode.ConnectFailed,
        `no CONNECTED frame from ${url.host} within ${connectTimeout} ms`)), connectTimeout);
      const onAbort = () => this.#fail(abortError(signal, 'connect'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#onConnected = (frame) => { cleanup(); resolve(frame); };
      void this.closed.then((err) => {
        cleanup();
        reject(err ?? new ConnectionError(ErrorCode.ConnectFailed, 'closed before CONNECTED'));
      });
      this.#writeFrame('CONNECT', this.#connectHeaders());
    });
  }

  #connectHeaders(): SendHeaders {
    const o = this.#opts;
    return {
      ...o.connectHeaders,
      'accept-version': '1.2',
      host: o.host,
      login: o.login,
      passcode: o.passcode,
      'heart-beat': `${o.heartbeatOut},${o.heartbeatIn}`,
    };
  }

  #handshakeDone(frame: Frame): void {
    this.connected = frame.headers;
    this.profile = profileFor(this.#opts.broker ?? frame.headers['server']);
    const intervals = negotiateHeartbeat(this.#opts.heartbeatOut, this.#opts.heartbeatIn, frame.headers['heart-beat']);
    this.#heartbeat = new Heartbeat(intervals, () => this.#sendRaw(HEARTBEAT_EOL), (silent) => this.#fail(
      new ConnectionError(ErrorCode.HeartbeatTimeout, `no data from the broker for ${silent} ms (heart-beat ${intervals.incoming} ms)`)));
  }

  async send(destination: string, body: Uint8Array | string, headers?: SendHeaders, options?: SendOptions): Promise<void> {
    // Encode first, synchronously: the body is copied into the frame before send() returns,
    // so callers may reuse their buffer at once. Then transmit in submission order.
    this.#assertOpen();
    const wantReceipt = options?.receipt ?? true;
    const receiptId = wantReceipt ? this.#window.nextId() : undefined;
    const frame = encodeFrameWith((n) => this.#frames.alloc(n), 'SEND', { ...headers, destination, transaction: options?.transaction, receipt: receiptId }, body);
    await this.transmitEncoded(frame, receiptId, options?.signal);
    if (receiptId) this.#frames.release(frame); // receipted: the broker has every byte
  }

  /**
   * Sends an already encoded SEND frame through the ordered outbox; `receiptId` must be the
   * frame's `receipt` header. Used by the reconnecting session to send a frame again on a new
   * connection without encoding (or copying) it twice. @internal
   */
  async transmitEncoded(frame: Uint8Array, receiptId: string | undefined, signal?: AbortSignal): Promise<void> {
    this.#assertOpen();
    const receipt = await this.#window.submit(receiptId !== undefined, () => this.#transmit(frame, receiptId), signal);
    await receipt;
  }

  /** Writes one SEND frame now, registering its receipt first. */
  #transmit(frame: Uint8Array, receiptId: string | undefined): Promise<void> | undefined {
    this.#assertOpen();
    // Write first: if the transport refuses the frame, no receipt is left waiting. The RECEIPT
    // cannot arrive before we register it: socket data is delivered on a later turn.
    this.#sendRaw(frame);
    this.#stats.framesSent++;
    return receiptId ? this.#window.expect(this.#opts.receiptTimeout, receiptId).done : undefined;
  }

  ready(signal?: AbortSignal): Promise<void> {
    return this.#window.wait(signal);
  }

  subscribe(destination: string, onMessage: (message: StompMessage) => void, options?: SubscribeOptions): Subscription {
    this.#assertOpen();
    const id = `sub-${++this.#nextId}`;
    const ack = options?.ack ?? 'client-individual';
    const prefetch = this.profile.prefetchHeaders(options?.prefetch ?? 1, options?.prefetchBytes ?? 256 * 1024);
    const sub = new SubscriptionImpl(id, destination, onMessage, () => this.#unsubscribe(id));
    this.#subs.set(id, sub);
    this.#writeFrame('SUBSCRIBE', { ...prefetch, ...options?.headers, id, destination, ack });
    return sub;
  }

  async #unsubscribe(id: string): Promise<void> {
    const sub = this.#subs.get(id);
    if (!sub || this.#ended) return;
    this.#subs.delete(id);
    const receipt = this.#window.expect(this.#opts.receiptTimeout);
    this.#writeFrame('UNSUBSCRIBE', { id, receipt: receipt.id });
    try {
      await receipt.done;
    } finally {
      sub.end(undefined);
    }
  }

  ack(message: StompMessage, options?: AckOptions): Promise<void> {
    return this.#acknowledge('ACK', message, options);
  }

  nack(message: StompMessage, options?: AckOptions): Promise<void> {
    return this.#acknowledge('NACK', message, options);
  }

  async #acknowledge(command: 'ACK' | 'NACK', message: StompMessage, options?: AckOptions): Promise<void> {
    this.#assertOpen();
    const receipt = options?.receipt ? this.#window.expect(this.#opts.receiptTimeout) : undefined;
    this.#writeFrame(command, { id: message.ackId, transaction: options?.transaction, receipt: receipt?.id });
    if (receipt) await receipt.done;
  }

  async begin(): Promise<Transaction> {
    this.#assertOpen();
    const id = `tx-${++this.#nextId}`;
    this.#writeFrame('BEGIN', { transaction: id });
    return {
      id,
      commit: () => this.#endTransaction('COMMIT', id),
      abort: () => this.#endTransaction('ABORT', id),
    };
  }

  async #endTransaction(command: 'COMMIT' | 'ABORT', id: string): Promise<void> {
    this.#assertOpen();
    const receipt = this.#window.expect(this.#opts.receiptTimeout);
    this.#writeFrame(command, { transaction: id, receipt: receipt.id });
    await receipt.done;
  }

  async disconnect(): Promise<void> {
    if (this.#ended) return;
    this.#disconnecting = true;
    const receipt = this.#window.expect(5000);
    this.#writeFrame('DISCONNECT', { receipt: receipt.id });
    await receipt.done.catch(() => undefined);
    this.#end(undefined);
    this.#transport?.close();
  }

  destroy(): void {
    if (this.#ended) return;
    this.#end(new ConnectionError(ErrorCode.SessionClosed, 'session destroyed'));
    this.#transport?.destroy();
  }

  stats(): SessionStats {
    return {
      ...this.#stats,
      unreceipted: this.#window.unreceipted,
      maxUnreceipted: this.#window.maxSeen,
      bufferedAmount: this.#transport?.bufferedAmount ?? 0,
      reconnects: 0,
    };
  }

  #assertOpen(): void {
    if (this.#ended) throw new ConnectionError(ErrorCode.SessionClosed, 'session is closed');
  }

  #writeFrame(command: string, headers: SendHeaders, body?: Uint8Array | string): void {
    this.#sendRaw(encodeFrame(command, headers, body));
  }

  #sendRaw(bytes: Uint8Array): void {
    if (this.#ended || !this.#transport) return;
    this.#transport.send(bytes);
    this.#heartbeat?.sent();
  }

  #onData(chunk: Uint8Array): void {
    if (this.#ended) return;
    this.#heartbeat?.received();
    let frames: Frame[];
    try {
      const before = this.#decoder.heartbeats;
      frames = this.#decoder.push(chunk);
      this.#stats.heartbeatsReceived += this.#decoder.heartbeats - before;
    } catch (err) {
      this.#fail(err instanceof Error ? err : new StompStreamsError(ErrorCode.FrameMalformed, String(err)));
      return;
    }
    for (const frame of frames) {
      if (this.#ended) return;
      this.#dispatch(frame);
    }
  }

  #dispatch(frame: Frame): void {
    switch (frame.command) {
      case 'MESSAGE': return this.#onMessage(frame);
      case 'RECEIPT': this.#window.settle(frame.headers['receipt-id'] ?? ''); return;
      case 'CONNECTED': return this.#onConnectedFrame(frame);
      case 'ERROR': return this.#fail(brokerError(frame));
      default:
        this.#fail(new StompStreamsError(ErrorCode.FrameMalformed, `unexpected ${JSON.stringify(frame.command.slice(0, 32))} frame from the broker`));
    }
  }

  #onConnectedFrame(frame: Frame): void {
    const cb = this.#onConnected;
    this.#onConnected = undefined;
    cb?.(frame);
  }

  #onMessage(frame: Frame): void {
    this.#stats.messagesReceived++;
    const sub = this.#subs.get(frame.headers['subscription'] ?? '');
    if (sub) return sub.deliver(frame);
    // A delivery that crossed our UNSUBSCRIBE. ActiveMQ hands it to another consumer by
    // itself. RabbitMQ keeps it with this connection until the connection closes, and refuses
    // an ACK or NACK for a cancelled subscription with an ERROR ("Subscription not found")
    // that would end the session: so leave it alone.
  }

  #onTransportClose(err: Error | undefined): void {
    if (this.#ended) return;
    if (this.#disconnecting && !err) return this.#end(undefined);
    this.#fail(err ?? this.#closedByBroker());
  }

  /**
   * A close without an ERROR frame. Before CONNECTED it is a refused connect, not a lost
   * connection: ActiveMQ 5.17 sometimes closes a refused CONNECT (bad login) before its ERROR
   * frame is written (measured: 2 of 300 attempts right after a broker restart).
   */
  #closedByBroker(): ConnectionError {
    if (this.#onConnected) {
      return new ConnectionError(ErrorCode.ConnectFailed,
        'the broker closed the connection before answering CONNECT (refused login or host? some brokers close without an ERROR frame)');
    }
    return new ConnectionError(ErrorCode.ConnectionLost, 'the broker closed the connection');
  }

  #fail(err: Error): void {
    if (this.#ended) return;
    this.#end(err); // first, so the transport's close callback cannot replace the cause
    this.#transport?.destroy();
  }

  #end(err: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#heartbeat?.stop();
    const reason = err ?? new ConnectionError(ErrorCode.SessionClosed, 'session closed');
    this.#window.fail(reason);
    for (const sub of this.#subs.values()) sub.end(err ?? undefined);
    this.#subs.clear();
    this.#settleClosed(err);
  }
}

function brokerError(frame: Frame): BrokerError {
  const text = new TextDecoder().decode(frame.body.subarray(0, 4096));
  return new BrokerError(frame.headers, text);
}

class SubscriptionImpl implements Subscription {
  readonly id: string;
  readonly destination: string;
  readonly closed: Promise<Error | undefined>;
  #onMessage: (message: StompMessage) => void;
  #unsubscribe: () => Promise<void>;
  #settle!: (err: Error | undefined) => void;
  #ended = false;

  constructor(id: string, destination: string, onMessage: (m: StompMessage) => void, unsubscribe: () => Promise<void>) {
    this.id = id;
    this.destination = destination;
    this.#onMessage = onMessage;
    this.#unsubscribe = unsubscribe;
    this.closed = new Promise((resolve) => { this.#settle = resolve; });
  }

  deliver(frame: Frame): void {
    if (this.#ended) return;
    this.#onMessage(toStompMessage(frame.headers, frame.body, this));
  }

  unsubscribe(): Promise<void> {
    return this.#unsubscribe();
  }

  end(err: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#settle(err);
  }
}
