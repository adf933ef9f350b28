/**
 * The hand-over counter of poison-stream protection, on the real brokers.
 */
import { describe, expect, it } from 'vitest';
import { openStompSession } from '../../src/index.js';
import { attemptsDestination, countHandOver } from '../../src/stream/attempt-counter.js';
import { endpoints, uniqueQueue } from '../support/endpoints.js';

describe.each(endpoints.filter((e) => e.transport === 'tcp'))('hand-over counter over $name', (ep) => {
  const queueHeaders = ep.broker === 'rabbitmq' ? { 'x-expires': '60000' } : {};

  it('counts 1, 2, 3 across sessions that die after counting', async () => {
    const fragments = uniqueQueue('count');
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await openStompSession(ep.url, ep.options);
      counts.push(await countHandOver(s, fragments, 60_000, queueHeaders));
      s.destroy();
    }
    expect(counts).toEqual([1, 2, 3]);
  });

  it('takes the largest count when a crash left two, and ignores garbage', async () => {
    const fragments = uniqueQueue('count-crash');
    const s = await openStompSession(ep.url, ep.options);
    try {
      for (const body of ['4', '5', 'not a number']) await s.send(attemptsDestination(fragments), body, { persistent: 'true', ...queueHeaders });
      expect(await countHandOver(s, fragments, 60_000, queueHeaders)).toBe(6);
      expect(await countHandOver(s, fragments, 60_000, queueHeaders)).toBe(7);
    } finally {
      await s.disconnect();
    }
  });
});
