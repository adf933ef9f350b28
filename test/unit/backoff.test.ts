import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { backoffDelay, resolveReconnect } from '../../src/stomp/backoff.js';

describe('resolveReconnect', () => {
  it('is off unless enabled by default or asked for', () => {
    expect(resolveReconnect(undefined, false)).toBeUndefined();
    expect(resolveReconnect(false, true)).toBeUndefined();
    expect(resolveReconnect(undefined, true)).toEqual({ initialDelay: 250, maxDelay: 5000, factor: 2, jitter: 0.2, timeout: 60_000 });
    expect(resolveReconnect(true, false)?.timeout).toBe(60_000);
    expect(resolveReconnect({ timeout: 5 }, false)?.timeout).toBe(5);
  });

  it.each([
    [{ initialDelay: -1 }, 'reconnect.initialDelay'],
    [{ factor: 0.5 }, 'reconnect.factor'],
    [{ jitter: 2 }, 'reconnect.jitter'],
    [{ jitter: Number.NaN }, 'reconnect.jitter'],
    [{ timeout: '10' }, 'reconnect.timeout'],
    [{ initialDelay: 1000, maxDelay: 10 }, 'reconnect.maxDelay'],
    ['yes', 'reconnect'],
  ])('rejects %j naming %s', (value, field) => {
    const call = () => resolveReconnect(value, true);
    expect(call).toThrow(InvalidOptionError);
    try { call(); } catch (e) { expect((e as InvalidOptionError).field).toBe(field); }
  });
});

describe('backoffDelay', () => {
  const o = { initialDelay: 100, maxDelay: 1000, factor: 2, jitter: 0, timeout: 0 };

  it('grows by the factor up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, o))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads each delay by at most the jitter fraction', () => {
    const j = { ...o, jitter: 0.5 };
    expect(backoffDelay(3, j, () => 0)).toBe(200);
    expect(backoffDelay(3, j, () => 0.999999)).toBe(600);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(2, j);
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(300);
    }
  });
});
