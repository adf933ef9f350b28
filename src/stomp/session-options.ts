/**
 * Options of {@link openStompSession}, validated once, up front.
 * @module
 */
import { InvalidOptionError } from '../errors.js';
import * as v from '../validate.js';
import { resolveReconnect, type ReconnectOptions, type ResolvedReconnect } from './backoff.js';
import type { BrokerName } from './broker-profile.js';
import type { TransportConnector } from './transport.js';

/**
 * Options for opening a STOMP session.
 *
 * @example
 * ```ts
 * const opts: SessionOptions = { login: 'guest', passcode: 'guest', heartbeat: { outgoing: 5000, incoming: 5000 } };
 * ```
 */
export interface SessionOptions {
  /** CONNECT `login`. */
  login?: string;
  /** CONNECT `passcode`. */
  passcode?: string;
  /** CONNECT `host` (the virtual host on RabbitMQ). Default `/`. */
  host?: string;
  /** Heart-beat intervals in ms (0 = none), or `false` for none. Default 10 000 both ways. */
  heartbeat?: { outgoing?: number; incoming?: number } | false;
  /** Ms to wait for the socket and the CONNECTED frame. Default 15 000. */
  connectTimeout?: number;
  /** Ms to wait for each receipt (0 = no limit; a dead peer is still caught by heart-beats). Default 0. */
  receiptTimeout?: number;
  /** Most SEND frames awaiting a receipt at once; further sends wait. Default 16. */
  maxUnreceipted?: number;
  /** Bytes queued in the transport above which sends wait for it to drain. Default 1 MiB. */
  highWaterMark?: number;
  /** Largest incoming frame body accepted (bytes). Default 64 MiB. */
  maxFrameSize?: number;
  /** Force a broker profile instead of reading the CONNECTED `server` header. */
  broker?: BrokerName;
  /** Use this transport instead of the one chosen from the URL scheme. */
  transport?: TransportConnector;
  /** WebSocket subprotocols to offer. Default `['binary', 'v12.stomp']`. */
  protocols?: string[];
  /** Treat the endpoint as text-only (send text WebSocket frames). Default `false`. */
  textOnly?: boolean;
  /** Extra CONNECT headers. */
  connectHeaders?: Record<string, string>;
  /**
   * Reconnect with backoff when the connection is lost (not after `disconnect()`/`destroy()`,
   * an ERROR frame or a failed first connect). While reconnecting, sends wait; unreceipted
   * sends are sent again on the new connection; subscriptions are renewed. `true` for the
   * defaults, an object to tune them. Default: off for `openStompSession()`, on for `connect()`.
   */
  reconnect?: boolean | ReconnectOptions;
  /** Abort connecting. */
  signal?: AbortSignal;
}

/** Validated options with defaults applied. @internal */
export interface ResolvedSessionOptions {
  login: string | undefined;
  passcode: string | undefined;
  host: string;
  heartbeatOut: number;
  heartbeatIn: number;
  connectTimeout: number;
  receiptTimeout: number;
  maxUnreceipted: number;
  highWaterMark: number;
  maxFrameSize: number;
  broker: BrokerName | undefined;
  transport: TransportConnector | undefined;
  protocols: string[] | undefined;
  textOnly: boolean;
  connectHeaders: Record<string, string>;
  reconnect: ResolvedReconnect | undefined;
  signal: AbortSignal | undefined;
}

const HOUR = 3_600_000;
const GiB = 1024 ** 3;

/** Validates {@link SessionOptions}; throws {@link InvalidOptionError} naming the field. @internal */
export function resolveSessionOptions(input: unknown, reconnectByDefault = false): ResolvedSessionOptions {
  const o = v.optionalObject('options', input) as SessionOptions;
  const hb = resolveHeartbeat(o.heartbeat);
  return {
    login: v.string('login', o.login),
    passcode: v.string('passcode', o.passcode),
    host: v.string('host', o.host, '/') as string,
    heartbeatOut: hb.outgoing,
    heartbeatIn: hb.incoming,
    connectTimeout: v.integer('connectTimeout', o.connectTimeout, 15_000, 1, HOUR),
    receiptTimeout: v.integer('receiptTimeout', o.receiptTimeout, 0, 0, 24 * HOUR),
    maxUnreceipted: v.integer('maxUnreceipted', o.maxUnreceipted, 16, 1, 65_536),
    highWaterMark: v.integer('highWaterMark', o.highWaterMark, 1024 * 1024, 1, GiB),
    maxFrameSize: v.integer('maxFrameSize', o.maxFrameSize, 64 * 1024 * 1024, 1, 2 * GiB),
    broker: v.optionalOneOf<BrokerName>('broker', o.broker, ['activemq', 'rabbitmq', 'artemis', 'generic']),
    transport: v.fn<TransportConnector>('transport', o.transport),
    protocols: resolveProtocols(o.protocols),
    textOnly: v.boolean('textOnly', o.textOnly, false),
    connectHeaders: v.stringMap('connectHeaders', o.connectHeaders),
    reconnect: resolveReconnect(o.reconnect, reconnectByDefault),
    signal: v.signal('signal', o.signal),
  };
}

function resolveHeartbeat(value: unknown): { outgoing: number; incoming: number } {
  if (value === false) return { outgoing: 0, incoming: 0 };
  const hb = v.optionalObject('heartbeat', value);
  return {
    outgoing: v.integer('heartbeat.outgoing', hb['outgoing'], 10_000, 0, HOUR),
    incoming: v.integer('heartbeat.incoming', hb['incoming'], 10_000, 0, HOUR),
  };
}

function resolveProtocols(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new InvalidOptionError('protocols', 'expected an array of non-empty strings');
  }
  return [...(value as string[])];
}
