import { describe, expect, it } from 'vitest';
import { negotiateHeartbeat } from '../../src/stomp/heartbeat.js';

describe('negotiateHeartbeat', () => {
  it('takes the larger of what each side offers and wants', () => {
    expect(negotiateHeartbeat(10000, 10000, '5000,20000')).toEqual({ outgoing: 20000, incoming: 10000 });
    expect(negotiateHeartbeat(1000, 2000, '3000,500')).toEqual({ outgoing: 1000, incoming: 3000 });
  });
  it('turns a direction off when either side says 0', () => {
    expect(negotiateHeartbeat(0, 10000, '5000,5000')).toEqual({ outgoing: 0, incoming: 10000 });
    expect(negotiateHeartbeat(10000, 10000, '0,0')).toEqual({ outgoing: 0, incoming: 0 });
    expect(negotiateHeartbeat(10000, 10000, undefined)).toEqual({ outgoing: 0, incoming: 0 });
    expect(negotiateHeartbeat(10000, 10000, 'junk')).toEqual({ outgoing: 0, incoming: 0 });
  });
});
