import { describe, expect, it } from 'vitest';
import { toStompMessage } from '../../src/stomp/message.js';
import { emptyHeaders } from '../../src/stomp/frame.js';
import type { Subscription } from '../../src/stomp/session-types.js';

const sub = { id: 's1', destination: '/queue/sub' } as Subscription;

describe('toStompMessage', () => {
  it('reads destination, id, redelivered and the STOMP 1.2 ack id from the headers', () => {
    const h = Object.assign(emptyHeaders(), { destination: '/queue/a', 'message-id': 'm1', ack: 'a1', redelivered: 'true' });
    expect(toStompMessage(h, new Uint8Array(1), sub)).toMatchObject({ destination: '/queue/a', messageId: 'm1', ackId: 'a1', redelivered: true, subscription: sub });
  });

  it('falls back to the subscription destination and to message-id for acking', () => {
    const h = Object.assign(emptyHeaders(), { 'message-id': 'm2', redelivered: 'false' });
    expect(toStompMessage(h, new Uint8Array(0), sub)).toMatchObject({ destination: '/queue/sub', ackId: 'm2', redelivered: false });
  });
});
