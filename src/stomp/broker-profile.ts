/**
 * Broker profiles: every difference between brokers that the package cares about, in one
 * place. A profile is picked from the CONNECTED frame's `server` header
 * (`ActiveMQ/5.17.2`, `RabbitMQ/3.10.8`, `ActiveMQ-Artemis/2.x`) and can be forced with the
 * `broker` option of `connect()`.
 * @module
 */

/**
 * Names of the known broker profiles.
 *
 * @example
 * ```ts
 * const session = await openStompSession(url, { broker: 'activemq' satisfies BrokerName });
 * ```
 */
export type BrokerName = 'activemq' | 'rabbitmq' | 'artemis' | 'generic';

/**
 * What NACK does to a message on a broker.
 *
 * @example
 * ```ts
 * if (session.profile.nack !== 'requeue') console.log('NACK would not hand the message back');
 * ```
 */
export type NackBehaviour = 'dead-letter' | 'discard' | 'requeue' | 'unknown';

/**
 * Broker-specific behaviour.
 *
 * @example
 * ```ts
 * import { profileFor } from 'stomp-streams';
 * const p = profileFor('RabbitMQ/3.10.8');
 * p.prefetchHeaders(4); // { 'prefetch-count': '4' }
 * ```
 */
export interface BrokerProfile {
  /** Profile name. */
  readonly name: BrokerName;
  /** Subscription headers that limit unacknowledged deliveries to `count` messages of about `bytes` each. */
  prefetchHeaders(count: number, bytes: number): Record<string, string>;
  /** Message headers that make a message expire `ttlMs` from `now` (epoch ms). */
  expiryHeaders(ttlMs: number, now: number): Record<string, string>;
  /** Headers that make a message persistent. */
  readonly persistentHeaders: Readonly<Record<string, string>>;
  /** What NACK does: never use it to hand a message back to another consumer. */
  readonly nack: NackBehaviour;
  /** The broker's own WebSocket transport carries text frames only (binary bodies get mangled). */
  readonly textOnlyWebSocket: boolean;
  /** The broker can keep fragments after acknowledgement for replay (RabbitMQ stream queues). */
  readonly retainsFragments: boolean;
  /**
   * Headers every SEND and SUBSCRIBE on a *retained* fragment queue carries (RabbitMQ: a stream
   * queue, which must be durable and not auto-delete, declared the same way on every frame).
   * Empty where the broker cannot retain.
   */
  readonly retainedQueueHeaders: Readonly<Record<string, string>>;
  /** Largest frame the broker accepts comfortably (bytes). */
  readonly maxFrameSize: number;
  /**
   * Fragment size a stream uses when the producer does not choose one (docs/performance.md):
   * 1 MiB on RabbitMQ (1.1–1.9× the throughput of 256 KiB on TCP in the sweep), 256 KiB elsewhere
   * (ActiveMQ 5.17 skipped messages on dispatch with 1 MiB fragments, see docs/brokers.md).
   */
  readonly defaultChunkSize: number;
  /**
   * Headers every SEND and SUBSCRIBE on a per-stream fragment queue carries, so the queue
   * itself disappears once unused for `ttlMs` (RabbitMQ `x-expires`; ActiveMQ relies on the
   * broker's inactive-destination GC). RabbitMQ needs them identical on every frame.
   */
  fragmentQueueHeaders(ttlMs: number): Record<string, string>;
  /** SUBSCRIBE headers that make this the only reader of a queue (ActiveMQ `activemq.exclusive`). */
  readonly exclusiveHeaders: Readonly<Record<string, string>>;
  /**
   * After UNSUBSCRIBE the broker hands unacknowledged messages to other consumers by itself
   * (ActiveMQ). Where it does not (RabbitMQ), they stay with the connection until it closes,
   * and an ACK or NACK for the cancelled subscription is refused with an ERROR — so
   * unsubscribe only with nothing unacknowledged outstanding, or accept the hold.
   */
  readonly releasesOnUnsubscribe: boolean;
}

const MiB = 1024 * 1024;

const activemq: BrokerProfile = {
  name: 'activemq',
  prefetchHeaders: (count) => ({ 'activemq.prefetchSize': String(Math.max(1, count)) }),
  expiryHeaders: (ttl, now) => ({ expires: String(now + ttl) }),
  persistentHeaders: { persistent: 'true' },
  nack: 'dead-letter',
  textOnlyWebSocket: true,
  retainsFragments: false,
  retainedQueueHeaders: {},
  maxFrameSize: 16 * MiB,
  defaultChunkSize: 256 * 1024,
  fragmentQueueHeaders: () => ({}),
  exclusiveHeaders: { 'activemq.exclusive': 'true' },
  releasesOnUnsubscribe: true,
};

const rabbitmq: BrokerProfile = {
  name: 'rabbitmq',
  prefetchHeaders: (count) => ({ 'prefetch-count': String(Math.max(1, count)) }),
  expiryHeaders: (ttl) => ({ expiration: String(ttl) }),
  persistentHeaders: { persistent: 'true' },
  nack: 'requeue',
  textOnlyWebSocket: false,
  retainsFragments: true,
  retainedQueueHeaders: { 'x-queue-type': 'stream', durable: 'true', 'auto-delete': 'false' },
  maxFrameSize: 64 * MiB,
  defaultChunkSize: MiB,
  fragmentQueueHeaders: (ttl) => ({ 'x-expires': String(ttl) }),
  exclusiveHeaders: {},
  releasesOnUnsubscribe: false,
};

const artemis: BrokerProfile = {
  name: 'artemis',
  prefetchHeaders: (count, bytes) => ({ 'consumer-window-size': String(Math.max(1, count) * Math.max(1, bytes)) }),
  expiryHeaders: (ttl, now) => ({ expires: String(now + ttl) }),
  persistentHeaders: { persistent: 'true' },
  nack: 'discard',
  textOnlyWebSocket: false,
  retainsFragments: false,
  retainedQueueHeaders: {},
  maxFrameSize: 64 * 1024,
  defaultChunkSize: 256 * 1024,
  fragmentQueueHeaders: () => ({}),
  exclusiveHeaders: {},
  releasesOnUnsubscribe: true,
};

const generic: BrokerProfile = {
  name: 'generic',
  prefetchHeaders: (count) => ({ 'activemq.prefetchSize': String(Math.max(1, count)), 'prefetch-count': String(Math.max(1, count)) }),
  expiryHeaders: (ttl, now) => ({ expires: String(now + ttl), expiration: String(ttl) }),
  persistentHeaders: { persistent: 'true' },
  nack: 'unknown',
  textOnlyWebSocket: false,
  retainsFragments: false,
  retainedQueueHeaders: {},
  maxFrameSize: 1 * MiB,
  defaultChunkSize: 256 * 1024,
  fragmentQueueHeaders: () => ({}),
  exclusiveHeaders: {},
  releasesOnUnsubscribe: true,
};

/**
 * All profiles by name.
 *
 * @example
 * ```ts
 * brokerProfiles.rabbitmq.expiryHeaders(60_000, Date.now()); // { expiration: '60000' }
 * ```
 */
export const brokerProfiles: Readonly<Record<BrokerName, BrokerProfile>> = { activemq, rabbitmq, artemis, generic };

/**
 * The profile for a CONNECTED frame's `server` header (or a {@link BrokerName}).
 *
 * @example
 * ```ts
 * import { profileFor } from 'stomp-streams';
 * profileFor('ActiveMQ/5.17.2').name; // 'activemq'
 * ```
 */
export function profileFor(server: string | undefined): BrokerProfile {
  const s = (server ?? '').toLowerCase();
  if (s in brokerProfiles) return brokerProfiles[s as BrokerName];
  if (s.startsWith('activemq-artemis') || s.startsWith('artemis')) return artemis;
  if (s.startsWith('activemq')) return activemq;
  if (s.startsWith('rabbitmq')) return rabbitmq;
  return generic;
}
