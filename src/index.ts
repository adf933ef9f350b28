/**
 * stomp-streams — byte streams of any size through a STOMP broker.
 *
 * This entry module names every public export; nothing is re-exported with `export *`.
 * @module
 */
export {
  ErrorCode,
  StompStreamsError,
  InvalidOptionError,
  FrameError,
  BrokerError,
  ConnectionError,
  IntegrityError,
} from './errors.js';

export type { Frame, FrameHeaders } from './stomp/frame.js';
export { encodeFrame, FrameDecoder, HEARTBEAT_EOL } from './stomp/frame-codec.js';
export type { EncodeHeaders, FrameDecoderOptions } from './stomp/frame-codec.js';

export type { Transport, TransportConnector, TransportHandlers, TransportOptions } from './stomp/transport.js';
export { webSocketConnector } from './stomp/ws-transport.js';
export { tcpConnector } from './stomp/tcp-transport.js';
export { connectorFor } from './stomp/connectors.js';

export { profileFor, brokerProfiles } from './stomp/broker-profile.js';
export type { BrokerProfile, BrokerName, NackBehaviour } from './stomp/broker-profile.js';

export { openStompSession } from './stomp/session.js';
export type { SessionOptions } from './stomp/session-options.js';
export type { ReconnectOptions } from './stomp/backoff.js';
export type { ManagementOptions } from './stomp/rabbitmq-management.js';
export type {
  AckMode,
  AckOptions,
  SendHeaders,
  SendOptions,
  SessionStats,
  StompMessage,
  StompSession,
  SubscribeOptions,
  Subscription,
  Transaction,
} from './stomp/session-types.js';

export { fromStompJs } from './stomp/stompjs-adapter.js';
export type { StompJsAdapterOptions } from './stomp/stompjs-adapter.js';

export { connect, StreamSession } from './stream/stream-session.js';
export type { ConnectOptions, StreamSource, StreamWritable } from './stream/stream-session.js';
export type { WritableOptions, ConsumeOptions } from './stream/stream-options.js';
export { DEFAULT_CHUNK_SIZE } from './stream/stream-options.js';
export type { StreamReceipt, ProducerStats } from './stream/producer.js';
export { IncomingStream } from './stream/incoming-stream.js';
export type { StreamInfo, StreamResult, IncomingStats } from './stream/incoming-stream.js';
export type { CreditStats } from './stream/credit-window.js';
export type { SkippedAnnouncement } from './stream/consumer.js';
export type { FragmentHashAlgorithm } from './stream/stream-hash.js';
export type { BodyEncoding, DeliveryMode } from './stream/fragment-codec.js';
export { PROTOCOL_VERSION } from './stream/fragment-codec.js';
