import { describe, expect, it } from 'vitest';
import { FramePool } from '../../src/stomp/frame-pool.js';
import { encodeFrameWith, FrameDecoder } from '../../src/stomp/frame-codec.js';

const alloc = (n: number) => new Uint8Array(n);
const KiB = 1024;

describe('FramePool', () => {
  it('reuses a released frame for the next frame of the same size class', () => {
    const pool = new FramePool(alloc);
    const a = pool.alloc(1024 * KiB + 300);
    pool.release(a);
    const b = pool.alloc(1024 * KiB + 420); // other headers, same 64 KiB class
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteLength).toBe(1024 * KiB + 420);
    expect(pool.reused).toBe(1);
  });

  it('never hands one buffer out twice, even when released twice', () => {
    const pool = new FramePool(alloc);
    const a = pool.alloc(200 * KiB);
    pool.release(a);
    pool.release(a);
    const b = pool.alloc(200 * KiB);
    const c = pool.alloc(200 * KiB);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer);
  });

  it('leaves small frames, foreign views and anything past maxFree to the collector', () => {
    const pool = new FramePool(alloc, 1);
    const small = pool.alloc(100);
    pool.release(small);
    expect(pool.alloc(100).buffer).not.toBe(small.buffer);
    const slab = new Uint8Array(256 * KiB);
    pool.release(slab.subarray(64 * KiB)); // a view into someone else's memory
    expect(pool.alloc(192 * KiB).buffer).not.toBe(slab.buffer);
    const [x, y] = [pool.alloc(128 * KiB), pool.alloc(128 * KiB)];
    pool.release(x);
    pool.release(y); // over maxFree
    expect(pool.alloc(128 * KiB).buffer).toBe(x.buffer);
    expect(pool.alloc(128 * KiB).buffer).not.toBe(y.buffer);
  });

  it('encodes a frame into reused memory byte-exact (stale bytes from the last frame never leak)', () => {
    const pool = new FramePool(alloc);
    const first = encodeFrameWith((n) => pool.alloc(n), 'SEND', { destination: '/queue/a', receipt: 'r-long-id-1' }, new Uint8Array(100 * KiB).fill(7));
    pool.release(first);
    const body = new Uint8Array(100 * KiB - 50).fill(9);
    const second = encodeFrameWith((n) => pool.alloc(n), 'SEND', { destination: '/queue/a', receipt: 'r2' }, body);
    expect(second.buffer).toBe(first.buffer);
    const [frame] = new FrameDecoder().push(second.slice());
    expect(frame?.headers).toMatchObject({ destination: '/queue/a', receipt: 'r2', 'content-length': String(body.byteLength) });
    expect(frame?.body).toEqual(body);
    expect(second[second.byteLength - 1]).toBe(0);
  });
});
