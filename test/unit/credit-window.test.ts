import { describe, expect, it } from 'vitest';
import { CreditWindow } from '../../src/stream/credit-window.js';

describe('CreditWindow', () => {
  it('acknowledges a fragment only after the application asked for the next one', () => {
    const w = new CreditWindow<string>(4);
    w.push('a', 10);
    w.push('b', 10);
    expect(w.finished()).toEqual([]);
    expect(w.next()).toBe('a');
    expect(w.finished()).toEqual(['a']);
    expect(w.next()).toBe('b');
    expect(w.next()).toBeUndefined();
    expect(w.finished()).toEqual(['b']);
    expect(w.stats().acknowledged).toBe(2);
  });

  it('tracks buffered and peak counters', () => {
    const w = new CreditWindow<number>(3);
    for (let i = 0; i < 3; i++) w.push(i, 100);
    expect(w.stats()).toMatchObject({ bufferedFragments: 3, bufferedBytes: 300, maxHeldFragments: 3, maxBufferedBytes: 300 });
    w.next();
    w.push(3, 50);
    expect(w.stats()).toMatchObject({ bufferedFragments: 3, bufferedBytes: 250, maxHeldFragments: 4 });
  });

  it('keeps FIFO order across compaction', () => {
    const w = new CreditWindow<number>(1000);
    const out: number[] = [];
    for (let i = 0; i < 500; i++) {
      w.push(i, 1);
      if (i % 3 === 0) out.push(w.next()!);
    }
    for (let x = w.next(); x !== undefined; x = w.next()) out.push(x);
    expect(out).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(w.empty).toBe(true);
  });
});
