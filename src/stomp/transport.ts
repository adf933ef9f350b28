/**
 * The small interface every transport (WebSocket, TCP, or one you write) implements.
 * The STOMP session never looks at globals to find a socket: it is handed a
 * {@link TransportConnector} (chosen from the URL scheme by {@link connectorFor}, or passed
 * in by the application).
 * @module
 */

/**
 * What a transport tells the session.
 *
 * @example
 * ```ts
 * const handlers: TransportHandlers = { data: (c) => console.log(c.byteLength), close: (e) => console.log(e), drain: () => {} };
 * ```
 */
export interface TransportHandlers {
  /**
   * Bytes arrived. The chunk is owned by the receiver from then on (decoded bodies may be views
   * into it), unless the transport says `reusesChunks`: then it is valid only during the call.
   */
  data(chunk: Uint8Array): void;
  /** The transport closed. `error` is set when it failed rather than closed cleanly. */
  close(error?: Error): void;
  /** Buffered outgoing bytes fell to or below the low-water mark. */
  drain(): void;
}

/**
 * An open, byte-oriented duplex connection to a broker.
 *
 * @example
 * ```ts
 * import type { Transport } from 'stomp-streams';
 * function write(t: Transport, bytes: Uint8Array) { t.send(bytes); return t.bufferedAmount; }
 * ```
 */
export interface Transport {
  /** Queue bytes for sending. Each call carries exactly one whole STOMP frame (WebSocket transports send it as one message). */
  send(bytes: Uint8Array): void;
  /** Bytes queued but not yet handed to the OS. The session pauses writers above its high-water mark. */
  readonly bufferedAmount: number;
  /**
   * True if the endpoint only carries text frames (bodies must be text-safe): set by option, or
   * detected (a WebSocket endpoint that answers with text frames is taken as text-only).
   */
  readonly textOnly: boolean;
  /** True if a chunk handed to `data()` is valid only during that call (the transport reads into one buffer): the session then copies what it keeps. */
  readonly reusesChunks?: boolean;
  /** Close the connection after queued bytes are flushed. */
  close(): void;
  /** Close at once, dropping queued bytes (used on fatal errors and in tests to simulate a crash). */
  destroy(): void;
}

/**
 * Options every connector understands.
 *
 * @example
 * ```ts
 * const transport = await webSocketConnector(new URL('ws://127.0.0.1:15674/ws'), handlers, { protocols: ['v12.stomp'], timeout: 5000 });
 * ```
 */
export interface TransportOptions {
  /** Abort the connection attempt. */
  signal?: AbortSignal;
  /** WebSocket subprotocols to offer (default `['binary', 'v12.stomp']`). */
  protocols?: string[];
  /** Treat the endpoint as text-only (WebSocket text frames). */
  textOnly?: boolean;
  /** Milliseconds to wait for the socket to open. */
  timeout?: number;
}

/**
 * Opens a transport. Resolves once the socket is open; rejects with a
 * `ConnectionError` (`ERR_CONNECT_FAILED`) otherwise.
 *
 * @example
 * ```ts
 * const session = await openStompSession('tcp://127.0.0.1:61613', { transport: tcpConnector });
 * ```
 */
export type TransportConnector = (
  url: URL,
  handlers: TransportHandlers,
  options: TransportOptions,
) => Promise<Transport>;
