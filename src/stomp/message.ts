/**
 * How a MESSAGE frame's headers become a {@link StompMessage}: one place for both session
 * implementations (the package's own and the stompjs adapter).
 * @module
 */
import type { FrameHeaders } from './frame.js';
import type { StompMessage, Subscription } from './session-types.js';

/** Builds the message handed to a subscription's callback. @internal */
export function toStompMessage(headers: FrameHeaders, body: Uint8Array, subscription: Subscription): StompMessage {
  return {
    headers,
    body,
    destination: headers['destination'] ?? subscription.destination,
    messageId: headers['message-id'] ?? '',
    redelivered: headers['redelivered'] === 'true',
    ackId: headers['ack'] ?? headers['message-id'] ?? '',
    subscription,
  };
}
