/**
 * WebSocket transport. Uses the runtime's global `WebSocket` where one exists (browsers,
 * Deno, Bun, Node ≥ 22) and the `ws` package (through isomorphic-ws) on Node 20, with
 * permessage-deflate switched off: fragments are incompressible and zlib showed up in
 * profiles. Each STOMP frame goes out as one WebSocket message; binary unless the endpoint
 * is text-only.
 *
 * Text-only detection: an endpoint that sends *text* frames (upstream ActiveMQ's own ws://,
 * RabbitMQ Web-STOMP with `ws_frame = text`) mangles binary bodies. The first frame it sends is
 * CONNECTED, before any body went out, so on the first text frame the transport switches to
 * text-only: from then on streams use base64 (encoding `auto`) and a body that is not UTF-8 is
 * refused with a `FrameError` instead of being corrupted.
 * @module
 */
import { ConnectionError, ErrorCode, FrameError } from '../errors.js';
import type { Transport, TransportConnector, TransportHandlers, TransportOptions } from './transport.js';

// 'binary' first: Debian's websockify splits the header on "," without trimming and only finds
// its protocol in first place; STOMP brokers pick 'v12.stomp' wherever it stands in the list.
const DEFAULT_PROTOCOLS = ['binary', 'v12.stomp'];

/** Minimal shape shared by the DOM WebSocket and `ws`. @internal */
interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (ev: never) => void): void;
}

type WebSocketCtor = new (url: string, protocols?: string[], options?: object) => WebSocketLike;

/**
 * Connects over WebSocket (`ws://` / `wss://`).
 *
 * @example
 * ```ts
 * import { connect, webSocketConnector } from 'stomp-streams';
 * const session = await connect('ws://127.0.0.1:15674/ws', { transport: webSocketConnector });
 * ```
 */
export const webSocketConnector: TransportConnector = async (url, handlers, options) => {
  const { ctor, isWs } = await resolveWebSocket();
  const protocols = options.protocols ?? DEFAULT_PROTOCOLS;
  const socket = new ctor(url.href, protocols, { perMessageDeflate: false, maxPayload: 0 });
  // `ws` hands out Buffers (Uint8Arrays) as they come off the socket with 'nodebuffer';
  // 'arraybuffer' would make it copy every message.
  socket.binaryType = isWs ? 'nodebuffer' : 'arraybuffer';
  await opened(socket, url, options);
  return new WebSocketTransport(socket, handlers, options.textOnly ?? false);
};

async function resolveWebSocket(): Promise<{ ctor: WebSocketCtor; isWs: boolean }> {
  const g = (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
  if (g) return { ctor: g, isWs: false };
  const mod = (await import('isomorphic-ws')) as unknown as { default?: WebSocketCtor; WebSocket?: WebSocketCtor };
  const ctor = mod.default ?? mod.WebSocket;
  if (!ctor) throw new ConnectionError(ErrorCode.ConnectFailed, 'no WebSocket implementation available (install "ws")');
  return { ctor, isWs: true };
}

function opened(socket: WebSocketLike, url: URL, options: TransportOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (why: string, cause?: unknown) => {
      clearTimeout(timer);
      try { socket.close(); } catch { /* already closed */ }
      reject(new ConnectionError(ErrorCode.ConnectFailed, `WebSocket ${url.href}: ${why}`, { cause }));
    };
    const timer = setTimeout(() => fail(`no answer within ${options.timeout ?? 15000} ms`), options.timeout ?? 15000);
    options.signal?.addEventListener('abort', () => fail('aborted', options.signal?.reason), { once: true });
    socket.addEventListener('open', () => { clearTimeout(timer); resolve(); });
    socket.addEventListener('error', ((ev: { error?: unknown; message?: string }) => fail(ev.message ?? 'connection failed', ev.error)) as (ev: never) => void);
    socket.addEventListener('close', ((ev: { code?: number }) => fail(`closed during handshake (code ${ev.code})`)) as (ev: never) => void);
  });
}

/** Polls `bufferedAmount` while it is above zero, since the DOM WebSocket has no drain event. */
const DRAIN_POLL_MS = 4;

class WebSocketTransport implements Transport {
  #textOnly: boolean;
  #socket: WebSocketLike;
  #handlers: TransportHandlers;
  #closed = false;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #decoder = new TextDecoder('utf-8', { fatal: true });
  #encoder = new TextEncoder();

  constructor(socket: WebSocketLike, handlers: TransportHandlers, textOnly: boolean) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#textOnly = textOnly;
    socket.addEventListener('message', ((ev: { data: unknown }) => this.#onMessage(ev.data)) as (ev: never) => void);
    socket.addEventListener('close', ((ev: { code?: number; reason?: string }) => this.#onClose(ev.code, ev.reason)) as (ev: never) => void);
    socket.addEventListener('error', (() => undefined) as (ev: never) => void);
  }

  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  get textOnly(): boolean {
    return this.#textOnly;
  }

  send(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#socket.send(this.#textOnly ? this.#text(bytes) : bytes);
    if (this.#drainTimer === undefined) this.#drainTimer = setTimeout(() => this.#pollDrain(), DRAIN_POLL_MS);
  }

  close(): void {
    if (!this.#closed) this.#socket.close(1000, 'bye');
  }

  /** A text-only endpoint carries UTF-8 text: refuse bytes that are not, instead of mangling them. */
  #text(bytes: Uint8Array): string {
    try {
      return this.#decoder.decode(bytes);
    } catch (cause) {
      throw new FrameError(ErrorCode.FrameMalformed, 'frame is not valid UTF-8 and the endpoint is text-only: send text-safe bodies (stream encoding "base64")', { cause });
    }
  }

  destroy(): void {
    const s = this.#socket as WebSocketLike & { terminate?: () => void };
    if (typeof s.terminate === 'function') s.terminate();
    else s.close();
    this.#onClose(1006, 'destroyed');
  }

  #pollDrain(): void {
    this.#drainTimer = undefined;
    if (this.#closed) return;
    if (this.#socket.bufferedAmount > 0) {
      this.#drainTimer = setTimeout(() => this.#pollDrain(), DRAIN_POLL_MS);
      return;
    }
    this.#handlers.drain();
  }

  #onMessage(data: unknown): void {
    if (typeof data === 'string') {
      this.#textOnly = true; // the endpoint speaks text frames: see "Text-only detection" above
      this.#handlers.data(this.#encoder.encode(data));
    } else if (data instanceof ArrayBuffer) this.#handlers.data(new Uint8Array(data));
    else if (ArrayBuffer.isView(data)) this.#handlers.data(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  #onClose(code?: number, reason?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#drainTimer);
    const clean = code === 1000;
    this.#handlers.close(clean ? undefined : new ConnectionError(ErrorCode.ConnectionLost, `WebSocket closed (code ${code}${reason ? `, ${reason}` : ''})`));
  }
}
