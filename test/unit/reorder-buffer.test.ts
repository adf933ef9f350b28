import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReorderBuffer } from '../../src/stream/reorder-buffer.js';

/** Feeds `arrivals` through a buffer the way the consumer does; returns the order handed on. */
function replay(arrivals: number[], capacity: number): { order: number[]; full: boolean } {
  const b = new ReorderBuffer<number>(capacity);
  const order: number[] = [];
  let next = 0;
  for (const seq of arrivals) {
    if (seq > next) {
      if (b.hold(seq, seq).kind === 'full') return { order, full: true };
      continue;
    }
    order.push(seq);
    next++;
    for (let held = b.take(next); held !== undefined; held = b.take(next)) {
      order.push(held);
      next++;
    }
  }
  return { order, full: false };
}

describe('ReorderBuffer', () => {
  it('restores the order ActiveMQ was seen to dispatch in (8, 3, 9, 4, 5, 6, 7, 10)', () => {
    const arrivals = [0, 1, 2, 8, 3, 9, 4, 5, 6, 7, 10];
    expect(replay(arrivals, 4)).toEqual({ order: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], full: false });
  });

  it('reports full once capacity fragments are held: nothing more can arrive', () => {
    const b = new ReorderBuffer<string>(2);
    expect(b.hold(5, 'e').kind).toBe('held');
    expect(b.hold(7, 'g').kind).toBe('held');
    expect(b.hold(6, 'f').kind).toBe('full');
    expect(b.lowest()).toBe(5);
    expect(b.size).toBe(2);
  });

  it('returns what it holds for a sequence number that arrives twice', () => {
    const b = new ReorderBuffer<string>(4);
    b.hold(3, 'first');
    expect(b.hold(3, 'second')).toEqual({ kind: 'again', held: 'first' });
    expect(b.take(3)).toBe('first');
    expect(b.take(3)).toBeUndefined();
  });

  it('clear() hands everything back in sequence order and empties it', () => {
    const b = new ReorderBuffer<number>(8);
    for (const s of [9, 4, 7]) b.hold(s, s);
    expect(b.clear()).toEqual([4, 7, 9]);
    expect(b.size).toBe(0);
    expect(b.lowest()).toBeUndefined();
  });

  it('any arrival order displaced by less than the capacity comes out in order', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 8 }), fc.integer(), (n, capacity, seed) => {
      // Shuffle within blocks of `capacity`: no fragment arrives more than capacity − 1 places early.
      const arrivals = Array.from({ length: n }, (_, i) => i);
      let x = seed | 1;
      for (let start = 0; start < n; start += capacity) {
        for (let i = Math.min(n, start + capacity) - 1; i > start; i--) {
          x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
          const j = start + (Math.abs(x) % (i - start + 1));
          [arrivals[i], arrivals[j]] = [arrivals[j] as number, arrivals[i] as number];
        }
      }
      expect(replay(arrivals, capacity)).toEqual({ order: Array.from({ length: n }, (_, i) => i), full: false });
    }));
  });
});
