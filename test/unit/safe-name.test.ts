import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { safeFileName } from '../../src/cli/safe-name.js';

describe('safeFileName', () => {
  it.each([
    ['../x', 'x'],
    ['../../etc/passwd', 'passwd'],
    ['/absolute/path.bin', 'path.bin'],
    ['C:\\windows\\evil.exe', 'evil.exe'],
    ['..', 'stream-ID'],
    ['.', 'stream-ID'],
    ['', 'stream-ID'],
    ['dir/', 'stream-ID'],
    ['nul\u0000byte', 'nul_byte'],
    ['line\nbreak', 'line_break'],
    ['movie.mp4', 'movie.mp4'],
  ])('%j -> %j', (name, want) => {
    expect(safeFileName(name, 'ID')).toBe(want);
  });

  it('caps names at 200 UTF-8 bytes without splitting a character', () => {
    const out = safeFileName('é'.repeat(500), 'ID');
    expect(new TextEncoder().encode(out).byteLength).toBeLessThanOrEqual(200);
    expect(out).toBe('é'.repeat(100));
  });

  it('never yields a path component that could leave the directory', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (name) => {
      const out = safeFileName(name, 'ID');
      expect(out).not.toMatch(/[/\\\0]/);
      expect(out).not.toMatch(/^\.+$/);
      expect(out.length).toBeGreaterThan(0);
      expect(new TextEncoder().encode(out).byteLength).toBeLessThanOrEqual(200);
    }), { numRuns: 500 });
  });
});
