import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeFallback, fromBase64, toBase64 } from '../../src/stream/base64.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('base64', () => {
  it('matches known vectors', () => {
    expect(toBase64(new Uint8Array([]))).toBe('');
    expect(toBase64(ascii('f'))).toBe('Zg==');
    expect(toBase64(ascii('fo'))).toBe('Zm8=');
    expect(toBase64(ascii('foo'))).toBe('Zm9v');
    expect(Array.from(fromBase64(ascii('Zm8='))!)).toEqual([102, 111]);
  });

  it('round-trips random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      expect(fromBase64(ascii(toBase64(bytes)))).toEqual(bytes);
    }), { numRuns: 300 });
  });

  it('has a portable encoder that agrees with the native one', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      expect(encodeFallback(bytes)).toBe(toBase64(bytes));
    }), { numRuns: 300 });
  });

  it('rejects non-base64 input instead of guessing', () => {
    expect(fromBase64(ascii('Zm9'))).toBeUndefined();
    expect(fromBase64(ascii('Zm9*'))).toBeUndefined();
    expect(fromBase64(new Uint8Array([0x5a, 0x6d, 0x39, 0xff]))).toBeUndefined();
  });
});
