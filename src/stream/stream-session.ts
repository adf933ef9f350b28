/**
 * The public entry point: `connect()` gives a {@link StreamSession} with the producing
 * (`writable`, `send`) and consuming (`streams`, `receive`) halves of the API.
 * @module
 */
import { ConnectionError, ErrorCode, InvalidOptionError, type StompStreamsError } from '../errors.js';
import { resolveManagement, type ManagementOptions, type ResolvedManagement } from '../stomp/rabbitmq-management.js';
import { openResolved } from '../stomp/session.js';
import { resolveSessionOptions, type SessionOptions } from '../stomp/session-options.js';
import type { StompSession } from '../stomp/session-types.js';
import * as v from '../validate.js';
import { StreamConsumer, type SkippedAnnouncement } from './consumer.js';
import { defaultFragmentDestination, newStreamId } from './fragment-codec.js';
import type { IncomingStream } from './incoming-stream.js';
import { StreamProducer, type ProducerStats, type StreamReceipt } from './producer.js';
import {
  destination, resolveConsumeOptions, resolveWritableOptions, type ConsumeOptions, type WritableOptions,
} from './stream-options.js';

/**
 * Options of {@link connect}: the session options plus stream-level settings.
 *
 * @example
 * ```ts
 * const session = await connect('tcp://127.0.0.1:61613', { login: 'guest', passcode: 'guest', heartbeat: { outgoing: 5000, incoming: 5000 } });
 * ```
 */
export interface ConnectOptions extends SessionOptions {
  /**
   * Where a stream's fragments go, given the announcement destination and the stream id.
   * Producers and consumers must agree. Default `<destination>.ss.<id>`.
   */
  fragmentDestination?: (destination: string, id: string) => string;
  /** Called when a consumer skips an announcement it cannot use (malformed, foreign destination). */
  onSkip?: (skipped: SkippedAnnouncement) => void;
  /**
   * RabbitMQ's HTTP management API, needed by consumers of retained streams (`retain: true`,
   * `onRedelivery: 'restart'`) to delete each stream queue they finish. Credentials default to
   * the session's.
   */
  management?: ManagementOptions;
  /** Called with problems that did not fail a stream (e.g. a retained stream's queue that could not be deleted). */
  onWarning?: (warning: StompStreamsError) => void;
}

/**
 * A byte source `send()` accepts.
 *
 * @example
 * ```ts
 * await session.send('/queue/files', new Blob(['hello']), { name: 'hello.txt' });
 * ```
 */
export type StreamSource = ReadableStream<Uint8Array> | Blob | Uint8Array | ArrayBuffer | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * A `WritableStream` for one outgoing stream, with its id, live counters and final receipt.
 *
 * @example
 * ```ts
 * const w = session.writable('/queue/files', { name: 'a.bin' });
 * await file.stream().pipeTo(w);
 * console.log((await w.receipt).bytes);
 * ```
 */
export interface StreamWritable extends WritableStream<Uint8Array> {
  /** Stream id. */
  readonly streamId: string;
  /** Resolves when the stream is complete on the broker; rejects if it failed or was aborted. */
  readonly receipt: Promise<StreamReceipt>;
  /** Live counters (backpressure windows). */
  stats(): ProducerStats;
}

/**
 * Connects to a broker and returns a {@link StreamSession}.
 *
 * @example
 * ```ts
 * import { connect } from 'stomp-streams';
 * await using session = await connect('ws://127.0.0.1:15674/ws', { login: 'guest', passcode: 'guest' });
 * await session.send('/queue/files', new TextEncoder().encode('hello'), { name: 'hello.txt' });
 * ```
 */
export async function connect(url: string | URL, options?: ConnectOptions): Promise<StreamSession> {
  const o = v.optionalObject('options', options) as ConnectOptions;
  const { fragmentDestination, onSkip, management, onWarning, ...sessionOptions } = o;
  // Streams are long transfers: reconnecting is on unless the options say `reconnect: false`.
  const resolved = resolveSessionOptions(sessionOptions, true);
  // Management credentials default to the session's; validated before connecting.
  const mgmt = management === undefined ? undefined : { login: resolved.login, passcode: resolved.passcode, vhost: resolved.host, ...v.optionalObject('management', management) } as ManagementOptions;
  resolveManagement(mgmt, {});
  const session = await openResolved(url, resolved);
  return new StreamSession(session, { fragmentDestination, onSkip, onWarning, management: mgmt });
}

/**
 * Streams over one STOMP session. Build it with {@link connect}, or over a session you already
 * have (e.g. `fromStompJs(client)`) with `new StreamSession(session)`.
 *
 * @example
 * ```ts
 * const session = new StreamSession(await fromStompJs(client));
 * for await (const s of session.streams('/queue/files')) await s.readable.pipeTo(sink);
 * ```
 */
export class StreamSession {
  /** The underlying STOMP session. */
  readonly stomp: StompSession;
  #fragmentDestination: (destination: string, id: string) => string;
  #onSkip: ((s: SkippedAnnouncement) => void) | undefined;
  #onWarning: ((w: StompStreamsError) => void) | undefined;
  #management: ResolvedManagement | undefined;

  constructor(stomp: StompSession, options?: Pick<ConnectOptions, 'fragmentDestination' | 'onSkip' | 'onWarning' | 'management'>) {
    this.stomp = stomp;
    this.#fragmentDestination = v.fn<(d: string, id: string) => string>('fragmentDestination', options?.fragmentDestination) ?? defaultFragmentDestination;
    this.#onSkip = v.fn('onSkip', options?.onSkip);
    this.#onWarning = v.fn('onWarning', options?.onWarning);
    this.#management = resolveManagement(options?.management, {});
  }

  /**
   * A `WritableStream` whose bytes become one stream on `destination`. Throws
   * {@link InvalidOptionError} for bad options.
   */
  writable(destination: string, options?: WritableOptions): StreamWritable {
    const dest = checkDestination(destination);
    const opts = resolveWritableOptions(options, this.stomp.profile.defaultChunkSize);
    const id = newStreamId();
    const producer = new StreamProducer({ session: this.stomp, destination: dest, fragmentDestination: this.#fragmentDestination(dest, id), id }, opts);
    return Object.assign(producer.writable, {
      streamId: id,
      receipt: producer.done,
      stats: () => producer.stats(),
    });
  }

  /** Sends a whole source as one stream and resolves with its receipt. */
  async send(destination: string, source: StreamSource, options?: WritableOptions): Promise<StreamReceipt> {
    const w = this.writable(destination, options);
    await toReadable(source).pipeTo(w);
    return w.receipt;
  }

  /** Incoming streams, one at a time (see the README on consuming). */
  streams(destination: string, options?: ConsumeOptions): AsyncIterableIterator<IncomingStream> & { readonly maxOpen: number } {
    return this.#consumer(destination, options);
  }

  /**
   * The next single stream on `destination`; the consumer stops taking streams after it. With
   * `commit: 'manual'` the stream is finished by committing its length after reading it.
   */
  async receive(destination: string, options?: ConsumeOptions): Promise<IncomingStream> {
    const consumer = this.#consumer(destination, options);
    const r = await consumer.next();
    void consumer.stopAfterCurrent();
    if (r.done) throw new ConnectionError(ErrorCode.SessionClosed, 'the session closed before a stream arrived');
    return r.value;
  }

  #consumer(destination: string, options: ConsumeOptions | undefined): StreamConsumer {
    const dest = checkDestination(destination);
    const opts = resolveConsumeOptions(options);
    return new StreamConsumer({
      session: this.stomp, destination: dest, fragmentDestination: this.#fragmentDestination, onSkip: this.#onSkip,
      management: this.#management, onWarning: this.#onWarning,
    }, opts);
  }

  /** Disconnects (politely: DISCONNECT with receipt). */
  async close(): Promise<void> {
    await this.stomp.disconnect();
  }

  /** Same as {@link close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function checkDestination(d: unknown): string {
  return destination('destination', d);
}

function toReadable(source: StreamSource): ReadableStream<Uint8Array> {
  if (source instanceof ReadableStream) return source;
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source.stream() as ReadableStream<Uint8Array>;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    return new ReadableStream({ start(c) { if (bytes.byteLength > 0) c.enqueue(bytes); c.close(); } });
  }
  if (typeof source === 'object' && source !== null && (Symbol.asyncIterator in source || Symbol.iterator in source)) {
    return iterableToReadable(source as AsyncIterable<Uint8Array>);
  }
  throw new InvalidOptionError('source', 'expected a ReadableStream, Blob, Uint8Array, ArrayBuffer or (async) iterable of Uint8Array');
}

function iterableToReadable(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<Uint8Array>)[Symbol.iterator]();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      const r = await it.next();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    async cancel(reason) {
      await it.return?.(reason);
    },
  }, { highWaterMark: 0 });
}
