/**
 * Errors of stomp-streams.
 *
 * One base class, {@link StompStreamsError}, carries a stable string `code` that callers switch
 * on; subclasses exist only where a caller must tell whole families apart with `instanceof`
 * (bad options, bad frames, the broker said ERROR, the connection went away, the stream's data
 * failed verification). The original error, if any, is always chained as `cause`.
 *
 * @module
 */

/**
 * Every stable error code the package produces.
 *
 * @example
 * ```ts
 * if (err instanceof StompStreamsError && err.code === ErrorCode.Gap) console.log('fragments missing');
 * ```
 */
export const ErrorCode = {
  /** An option had a wrong type or value; `field` names it. */
  InvalidOption: 'ERR_INVALID_OPTION',
  /** A STOMP frame could not be parsed (no NUL, bad header line, lying content-length, …). */
  FrameMalformed: 'ERR_FRAME_MALFORMED',
  /** A STOMP frame (or its header block) exceeds the configured maximum. */
  FrameTooLarge: 'ERR_FRAME_TOO_LARGE',
  /** The broker sent an ERROR frame. */
  Broker: 'ERR_BROKER',
  /** The socket closed or failed. */
  ConnectionLost: 'ERR_CONNECTION_LOST',
  /** No data (not even a heart-beat) arrived within the allowed interval. */
  HeartbeatTimeout: 'ERR_HEARTBEAT_TIMEOUT',
  /** The connection could not be established (refused, TLS, bad URL scheme, timeout). */
  ConnectFailed: 'ERR_CONNECT_FAILED',
  /** The session was closed by the application before the operation finished. */
  SessionClosed: 'ERR_SESSION_CLOSED',
  /** A receipt or other awaited broker answer did not come in time. */
  Timeout: 'ERR_TIMEOUT',
  /** The operation was aborted through an AbortSignal; `cause` is the signal's reason. */
  Aborted: 'ERR_ABORTED',
  /** A fragment's hash does not match its body, or the whole-stream check failed. */
  HashMismatch: 'ERR_HASH_MISMATCH',
  /** A fragment is missing: the stream does not continue where the last verified byte ended. */
  Gap: 'ERR_GAP',
  /** A fragment arrived twice with different content, or out of order. */
  Sequence: 'ERR_SEQUENCE',
  /** A fragment or control message is malformed (missing or hostile stream headers). */
  Protocol: 'ERR_PROTOCOL',
  /** The producer aborted the stream; `cause` carries its reason. */
  StreamAborted: 'ERR_STREAM_ABORTED',
  /** The producer went silent for longer than `idleTimeout`. */
  ProducerTimeout: 'ERR_PRODUCER_TIMEOUT',
  /** A stream was handed over to new consumers more than `maxRedeliveries` times: given up as poison. */
  RedeliveryLimit: 'ERR_REDELIVERY_LIMIT',
  /** The broker cannot do what was asked (e.g. restart recovery without retained fragments). */
  Unsupported: 'ERR_UNSUPPORTED',
} as const;

/** Union of all {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Base class of every error stomp-streams produces.
 *
 * @example
 * ```ts
 * import { StompStreamsError, ErrorCode } from 'stomp-streams';
 * try {
 *   await session.send('/queue/x', new Uint8Array(1));
 * } catch (err) {
 *   if (err instanceof StompStreamsError && err.code === ErrorCode.ConnectionLost) {
 *     // reconnect
 *   }
 * }
 * ```
 */
export class StompStreamsError extends Error {
  /** Stable, documented code: switch on this, not on `message`. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * An option passed to a stomp-streams function was invalid. Thrown (synchronously) or
 * rejected before anything goes on the wire.
 *
 * @example
 * ```ts
 * import { InvalidOptionError } from 'stomp-streams';
 * try { await connect('ftp://x'); } catch (e) { if (e instanceof InvalidOptionError) console.log(e.field); }
 * ```
 */
export class InvalidOptionError extends StompStreamsError {
  /** Dotted path of the offending option, e.g. `heartbeat.outgoing`. */
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.InvalidOption, `invalid option "${field}": ${message}`, options);
    this.field = field;
  }
}

/**
 * The bytes from the broker are not a valid STOMP frame, or exceed the configured limits.
 * `code` is {@link ErrorCode.FrameMalformed} or {@link ErrorCode.FrameTooLarge}.
 *
 * @example
 * ```ts
 * import { FrameDecoder, FrameError } from 'stomp-streams';
 * try { new FrameDecoder({ maxFrameSize: 16 }).push(new TextEncoder().encode('SEND\ncontent-length:99\n\n')); }
 * catch (e) { if (e instanceof FrameError) console.log(e.code); }
 * ```
 */
export class FrameError extends StompStreamsError {
  constructor(
    code: typeof ErrorCode.FrameMalformed | typeof ErrorCode.FrameTooLarge,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * The broker answered with an ERROR frame. `headers` and `body` are the frame's, so callers
 * can read broker-specific detail; `message` includes the broker's `message` header.
 *
 * @example
 * ```ts
 * import { BrokerError } from 'stomp-streams';
 * try { await connect('tcp://127.0.0.1:61613', { login: 'x', passcode: 'bad' }); }
 * catch (e) { if (e instanceof BrokerError) console.log(e.headers.message); }
 * ```
 */
export class BrokerError extends StompStreamsError {
  /** Headers of the ERROR frame (null-prototype object). */
  readonly headers: Readonly<Record<string, string>>;
  /** Body of the ERROR frame decoded as UTF-8 (truncated to 4 KiB). */
  readonly body: string;

  constructor(headers: Readonly<Record<string, string>>, body: string, options?: { cause?: unknown }) {
    const summary = headers['message'] ?? 'ERROR frame without message header';
    super(ErrorCode.Broker, `broker error: ${summary}`, options);
    this.headers = headers;
    this.body = body;
  }
}

/**
 * The connection to the broker failed or went away. `code` is one of
 * {@link ErrorCode.ConnectionLost}, {@link ErrorCode.HeartbeatTimeout},
 * {@link ErrorCode.ConnectFailed} or {@link ErrorCode.SessionClosed}.
 *
 * @example
 * ```ts
 * import { ConnectionError } from 'stomp-streams';
 * session.closed.then((err) => { if (err instanceof ConnectionError) console.log(err.code); });
 * ```
 */
export class ConnectionError extends StompStreamsError {}

/**
 * The bytes of a stream failed verification: wrong hash, gap, duplicate or reorder, or a
 * malformed stream header. Nothing past the last verified byte has been delivered.
 *
 * @example
 * ```ts
 * import { IntegrityError } from 'stomp-streams';
 * try { await incoming.readable.pipeTo(sink); }
 * catch (e) { if (e instanceof IntegrityError) console.log(e.code, e.offset); }
 * ```
 */
export class IntegrityError extends StompStreamsError {
  /** Byte offset of the last verified byte + 1 (what was safely delivered). */
  readonly offset: number;

  constructor(code: ErrorCode, message: string, offset: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.offset = offset;
  }
}

/** Make an {@link ErrorCode.Aborted} error that chains the signal's reason. @internal */
export function abortError(signal: AbortSignal | undefined, what: string): StompStreamsError {
  return new StompStreamsError(ErrorCode.Aborted, `${what} aborted`, { cause: signal?.reason });
}
