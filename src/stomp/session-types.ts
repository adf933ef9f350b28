/**
 * The STOMP session interface the stream layer is written against. Two implementations:
 * the package's own fast session ({@link openStompSession}) and an adapter over an existing
 * @stomp/stompjs `Client` ({@link fromStompJs}).
 * @module
 */
import type { BrokerProfile } from './broker-profile.js';
import type { FrameHeaders } from './frame.js';

/**
 * Acknowledgement mode of a subscription.
 *
 * @example
 * ```ts
 * session.subscribe('/queue/a', onMessage, { ack: 'client-individual' satisfies AckMode });
 * ```
 */
export type AckMode = 'auto' | 'client' | 'client-individual';

/**
 * Header values accepted when sending; `undefined` values are left out.
 *
 * @example
 * ```ts
 * await session.send('/queue/a', 'hi', { persistent: true, priority: 9 });
 * ```
 */
export type SendHeaders = Record<string, string | number | boolean | undefined>;

/**
 * Options of {@link StompSession.send}.
 *
 * @example
 * ```ts
 * await session.send('/queue/a', bytes, {}, { receipt: true, signal: AbortSignal.timeout(5000) });
 * ```
 */
export interface SendOptions {
  /** Ask for a RECEIPT and resolve only when it arrives (default `true`). */
  receipt?: boolean;
  /** Send inside this transaction. */
  transaction?: string;
  /** Abort waiting for a send slot or the receipt. */
  signal?: AbortSignal;
}

/**
 * Options of {@link StompSession.subscribe}.
 *
 * @example
 * ```ts
 * session.subscribe('/queue/a', onMessage, { ack: 'client-individual', prefetch: 8, headers: { 'activemq.exclusive': true } });
 * ```
 */
export interface SubscribeOptions {
  /** Acknowledgement mode (default `client-individual`). */
  ack?: AckMode;
  /** At most this many unacknowledged messages are delivered (broker prefetch). Default 1. */
  prefetch?: number;
  /** Expected message size, for brokers whose window is in bytes (Artemis). Default 256 KiB. */
  prefetchBytes?: number;
  /** Extra SUBSCRIBE headers (e.g. `activemq.exclusive`, `x-stream-offset`). */
  headers?: SendHeaders;
  /**
   * On a reconnecting session: subscribe again after a reconnect (`true`, default), or end the
   * subscription with a `ConnectionError` (`false`) when the connection is lost.
   */
  resubscribe?: boolean;
  /**
   * Called after the subscription was renewed on a new connection. Messages delivered before
   * it were handed back to the broker and will come again (marked redelivered, as a rule);
   * acknowledging them now does nothing.
   */
  onResubscribe?: () => void;
}

/**
 * Options of {@link StompSession.ack} / {@link StompSession.nack}.
 *
 * @example
 * ```ts
 * await session.ack(message, { receipt: true });
 * ```
 */
export interface AckOptions {
  /** Acknowledge inside this transaction. */
  transaction?: string;
  /** Ask for a receipt and resolve when it arrives (default `false`). */
  receipt?: boolean;
}

/**
 * A MESSAGE delivered to a subscription.
 *
 * @example
 * ```ts
 * session.subscribe('/queue/a', (m) => { console.log(m.destination, m.body.byteLength); void session.ack(m); });
 * ```
 */
export interface StompMessage {
  /** All headers (null-prototype object, first value wins). */
  readonly headers: FrameHeaders;
  /** Body bytes (may be a view into a socket buffer; copy to keep beyond the stream's life is not needed: it is never reused). */
  readonly body: Uint8Array;
  /** `destination` header. */
  readonly destination: string;
  /** `message-id` header. */
  readonly messageId: string;
  /** Broker marked this as a redelivery. */
  readonly redelivered: boolean;
  /** Id to acknowledge with (the `ack` header, or `message-id`). @internal */
  readonly ackId: string;
  /** Subscription it arrived on. */
  readonly subscription: Subscription;
}

/**
 * A live subscription.
 *
 * @example
 * ```ts
 * const sub = session.subscribe('/queue/a', onMessage);
 * await sub.unsubscribe();
 * ```
 */
export interface Subscription {
  /** Subscription id (unique within the session). */
  readonly id: string;
  /** Destination subscribed to. */
  readonly destination: string;
  /** Stop deliveries. Unacknowledged messages go back to the broker. */
  unsubscribe(): Promise<void>;
  /** Settles when the subscription ends: `undefined` after unsubscribe, an error when the session failed. */
  readonly closed: Promise<Error | undefined>;
}

/**
 * A STOMP transaction.
 *
 * @example
 * ```ts
 * const tx = await session.begin();
 * await session.send('/queue/a', 'x', {}, { transaction: tx.id });
 * await tx.commit();
 * ```
 */
export interface Transaction {
  /** Transaction id. */
  readonly id: string;
  /** COMMIT, resolved on the broker's receipt. */
  commit(): Promise<void>;
  /** ABORT, resolved on the broker's receipt. */
  abort(): Promise<void>;
}

/**
 * Counters a session exposes for tests and monitoring.
 *
 * @example
 * ```ts
 * const { unreceipted, maxUnreceipted } = session.stats();
 * ```
 */
export interface SessionStats {
  /** SEND frames written. */
  framesSent: number;
  /** MESSAGE frames received. */
  messagesReceived: number;
  /** Receipts awaited right now. */
  unreceipted: number;
  /** Most receipts ever awaited at once. */
  maxUnreceipted: number;
  /** Bytes queued in the transport right now. */
  bufferedAmount: number;
  /** Heart-beats received. */
  heartbeatsReceived: number;
  /** Times the session reconnected (only sessions with `reconnect`). */
  reconnects: number;
}

/**
 * A connected STOMP 1.2 session.
 *
 * @example
 * ```ts
 * import { openStompSession } from 'stomp-streams';
 * const s = await openStompSession('tcp://127.0.0.1:61613', { login: 'guest', passcode: 'guest' });
 * await s.send('/queue/a', new TextEncoder().encode('hi'), { persistent: 'true' });
 * await s.disconnect();
 * ```
 */
export interface StompSession {
  /** The broker profile in use (from the CONNECTED `server` header, or forced by option). */
  readonly profile: BrokerProfile;
  /** CONNECTED frame headers (`server`, `version`, `heart-beat`, `session`). */
  readonly connected: Readonly<FrameHeaders>;
  /** The transport carries text frames only: bodies must be text-safe. */
  readonly textOnly: boolean;
  /**
   * SEND a frame. The body is copied before `send()` returns (synchronously), so the caller
   * may reuse its buffer at once. Waits (asynchronously) while the unreceipted window or the
   * transport buffer is full, then resolves on the RECEIPT (or once written, with `receipt: false`).
   */
  send(destination: string, body: Uint8Array | string, headers?: SendHeaders, options?: SendOptions): Promise<void>;
  /** Resolves when a `send()` would go out at once (window and buffer below their limits). */
  ready(signal?: AbortSignal): Promise<void>;
  /** SUBSCRIBE; `onMessage` is called synchronously for each MESSAGE, in order. */
  subscribe(destination: string, onMessage: (message: StompMessage) => void, options?: SubscribeOptions): Subscription;
  /** ACK a message. */
  ack(message: StompMessage, options?: AckOptions): Promise<void>;
  /** NACK a message (its meaning differs per broker: see {@link BrokerProfile.nack}). */
  nack(message: StompMessage, options?: AckOptions): Promise<void>;
  /** BEGIN a transaction. */
  begin(): Promise<Transaction>;
  /** DISCONNECT with a receipt and close the transport. Never rejects. */
  disconnect(): Promise<void>;
  /** Close the connection at once without DISCONNECT (as if the process died). */
  destroy(): void;
  /** Settles when the session ends: `undefined` after disconnect, the error otherwise. Never rejects. */
  readonly closed: Promise<Error | undefined>;
  /** Live counters. */
  stats(): SessionStats;
}
