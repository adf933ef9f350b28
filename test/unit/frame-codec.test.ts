import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameDecoder, encodeFrame } from '../../src/stomp/frame-codec.js';
import { FrameError } from '../../src/errors.js';

const te = new TextEncoder();
const bytes = (s: string) => te.encode(s);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function errorOf(fn: () => unknown): FrameError {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(FrameError); return e as FrameError; }
  throw new Error('did not throw');
}

describe('encodeFrame', () => {
  it('writes command, escaped headers, content-length, body and NUL', () => {
    const f = encodeFrame('SEND', { destination: '/queue/a', 'x:y': 'a\nb\\c:d\re', skip: undefined }, bytes('hi'));
    expect(new TextDecoder().decode(f)).toBe('SEND\ndestination:/queue/a\nx\\cy:a\\nb\\\\c\\cd\\re\ncontent-length:2\n\nhi\0');
  });

  it('does not escape CONNECT headers and omits content-length for an empty body', () => {
    const f = encodeFrame('CONNECT', { login: 'a:b', passcode: 'p' });
    expect(new TextDecoder().decode(f)).toBe('CONNECT\nlogin:a:b\npasscode:p\n\n\0');
  });

  it('rejects a wrong caller content-length, bad commands and empty header names', () => {
    expect(errorOf(() => encodeFrame('SEND', { 'content-length': 3 }, bytes('hi'))).code).toBe('ERR_FRAME_MALFORMED');
    expect(errorOf(() => encodeFrame('SE\nND', {})).code).toBe('ERR_FRAME_MALFORMED');
    expect(errorOf(() => encodeFrame('', {})).code).toBe('ERR_FRAME_MALFORMED');
    expect(errorOf(() => encodeFrame('SEND', { '': 'x' })).code).toBe('ERR_FRAME_MALFORMED');
  });
});

describe('FrameDecoder', () => {
  it('decodes several frames and heart-beats from one chunk, unescaping headers, first header wins', () => {
    const d = new FrameDecoder();
    const frames = d.push(bytes('\n\r\nMESSAGE\na:1\na:2\nk\\c:v\\n\n\nbody\0\nRECEIPT\r\nreceipt-id:r1\r\n\r\n\0\n'));
    expect(frames.map((f) => f.command)).toEqual(['MESSAGE', 'RECEIPT']);
    expect({ ...frames[0]!.headers }).toEqual({ a: '1', 'k:': 'v\n' });
    expect(new TextDecoder().decode(frames[0]!.body)).toBe('body');
    expect(frames[1]!.headers['receipt-id']).toBe('r1');
    expect(d.heartbeats).toBe(4);
    expect(Object.getPrototypeOf(frames[0]!.headers)).toBeNull();
  });

  it('does not unescape CONNECTED headers', () => {
    const [f] = new FrameDecoder().push(bytes('CONNECTED\nserver:a\\cb\n\n\0'));
    expect(f!.headers['server']).toBe('a\\cb');
  });

  it('treats hostile header names as plain keys', () => {
    const [f] = new FrameDecoder().push(bytes('MESSAGE\n__proto__:x\nconstructor:y\n\n\0'));
    expect(f!.headers['__proto__']).toBe('x');
    expect(f!.headers['constructor']).toBe('y');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('returns a body inside one chunk as a view, and a spanning body as one allocation', () => {
    const frame = encodeFrame('MESSAGE', { a: 'b' }, new Uint8Array(1000).fill(7));
    const [f] = new FrameDecoder().push(frame);
    expect(f!.body.buffer).toBe(frame.buffer);
    const d = new FrameDecoder();
    expect(d.push(frame.subarray(0, 500))).toEqual([]);
    const [g] = d.push(frame.subarray(500));
    expect(g!.body.buffer).not.toBe(frame.buffer);
    expect(g!.body.byteLength).toBe(1000);
    expect(g!.body.buffer.byteLength).toBe(1000);
  });

  it.each([
    ['no NUL after content-length bytes', 'MESSAGE\ncontent-length:2\n\nabc\0', 'ERR_FRAME_MALFORMED'],
    ['a lying (short) content-length', 'MESSAGE\ncontent-length:1\n\nab\0', 'ERR_FRAME_MALFORMED'],
    ['a non-numeric content-length', 'MESSAGE\ncontent-length:abc\n\n\0', 'ERR_FRAME_MALFORMED'],
    ['a negative content-length', 'MESSAGE\ncontent-length:-1\n\n\0', 'ERR_FRAME_MALFORMED'],
    ['a plus-signed content-length', 'MESSAGE\ncontent-length:+5\n\nabcde\0', 'ERR_FRAME_MALFORMED'],
    ['an exponent content-length', 'MESSAGE\ncontent-length:1e3\n\n\0', 'ERR_FRAME_MALFORMED'],
    ['an undefined escape \\t', 'MESSAGE\na:b\\tc\n\n\0', 'ERR_FRAME_MALFORMED'],
    ['a trailing backslash', 'MESSAGE\na:b\\\n\n\0', 'ERR_FRAME_MALFORMED'],
    ['a header line without colon', 'MESSAGE\nnocolon\n\n\0', 'ERR_FRAME_MALFORMED'],
    ['a header with an empty name', 'MESSAGE\n:value\n\n\0', 'ERR_FRAME_MALFORMED'],
    ['a CR not followed by LF between frames', '\rX', 'ERR_FRAME_MALFORMED'],
  ])('rejects %s', (_name, text, code) => {
    expect(errorOf(() => new FrameDecoder().push(bytes(text))).code).toBe(code);
  });

  it('rejects invalid UTF-8 in headers', () => {
    const bad = concat([bytes('MESSAGE\na:'), new Uint8Array([0xff, 0xfe]), bytes('\n\n\0')]);
    expect(errorOf(() => new FrameDecoder().push(bad)).message).toMatch(/UTF-8/);
  });

  it('rejects an oversized content-length before buffering the body', () => {
    const d = new FrameDecoder({ maxFrameSize: 1000 });
    const e = errorOf(() => d.push(bytes('MESSAGE\ncontent-length:1001\n\nxx')));
    expect(e.code).toBe('ERR_FRAME_TOO_LARGE');
    expect(e.message).toMatch(/1001/);
    expect(d.buffered).toBeLessThan(100);
    expect(() => d.push(bytes('x'))).toThrow(FrameError); // unusable after an error
  });

  it('rejects an oversized body without content-length', () => {
    const d = new FrameDecoder({ maxFrameSize: 100 });
    d.push(bytes('MESSAGE\n\n'));
    d.push(new Uint8Array(60).fill(65));
    expect(errorOf(() => d.push(new Uint8Array(60).fill(65))).code).toBe('ERR_FRAME_TOO_LARGE');
  });

  it('rejects a header block over maxHeaderBytes and too many headers', () => {
    const d = new FrameDecoder({ maxHeaderBytes: 64 });
    expect(errorOf(() => d.push(bytes(`MESSAGE\na:${'x'.repeat(100)}`))).code).toBe('ERR_FRAME_TOO_LARGE');
    const lines = Array.from({ length: 5 }, (_, i) => `h${i}:v`).join('\n');
    expect(errorOf(() => new FrameDecoder({ maxHeaders: 4 }).push(bytes(`MESSAGE\n${lines}\n\n\0`))).code).toBe('ERR_FRAME_TOO_LARGE');
  });

  it('rejects a header block over maxHeaderBytes that arrives one byte at a time', () => {
    const d = new FrameDecoder({ maxHeaderBytes: 64 });
    const text = bytes(`MESSAGE\na:${'x'.repeat(100)}`);
    let err: unknown;
    for (let i = 0; i < text.length && !err; i++) { try { d.push(text.subarray(i, i + 1)); } catch (e) { err = e; } }
    expect(err).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
  });
});

describe('codec round trip (property)', () => {
  const commands = fc.constantFrom('SEND', 'MESSAGE', 'RECEIPT', 'ERROR', 'ACK', 'SUBSCRIBE', 'CONNECTED');
  const headerText = fc.string({ unit: fc.oneof(fc.constantFrom(':', '\\', '\n', '\r', 'é', '€', '😀'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 12 });
  const frameArb = fc.record({
    command: commands,
    headers: fc.dictionary(headerText.filter((s) => s.length > 0 && s !== 'content-length'), headerText, { maxKeys: 5 }),
    body: fc.uint8Array({ maxLength: 2000 }),
  }).filter((f) => f.command !== 'CONNECTED' || Object.entries(f.headers).every(([k, v]) => !/[\n\r:]/.test(k) && !/[\n\r]/.test(v) && !k.endsWith('\r')));

  it('decodes any frames, with heart-beats between, split at any chunk boundaries', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(frameArb, fc.constantFrom('', '\n', '\r\n', '\n\n')), { minLength: 1, maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }),
      (frames, cuts) => {
        const stream = concat(frames.flatMap(([f, hb]) => [bytes(hb), encodeFrame(f.command, f.headers, f.body)]));
        const d = new FrameDecoder();
        const out = [];
        let pos = 0;
        let k = 0;
        while (pos < stream.length) {
          const n = cuts[k++ % cuts.length] as number;
          out.push(...d.push(stream.subarray(pos, pos + n)));
          pos += n;
        }
        expect(out.length).toBe(frames.length);
        out.forEach((got, i) => {
          const want = frames[i]![0];
          expect(got.command).toBe(want.command);
          const h = { ...got.headers };
          if (want.body.length > 0) expect(h['content-length']).toBe(String(want.body.length));
          delete h['content-length'];
          expect(h).toEqual(want.headers);
          expect(Array.from(got.body)).toEqual(Array.from(want.body));
        });
        expect(d.buffered).toBe(0);
      },
    ), { numRuns: 300 });
  });

  it('decodes text bodies without content-length in 1-byte chunks', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }).filter((s) => !s.includes('\0')), (text) => {
      const d = new FrameDecoder();
      const wire = bytes(`MESSAGE\ndestination:/q\n\n${text}\0`);
      const out = [];
      for (let i = 0; i < wire.length; i++) out.push(...d.push(wire.subarray(i, i + 1)));
      expect(out).toHaveLength(1);
      expect(new TextDecoder().decode(out[0]!.body)).toBe(text);
    }), { numRuns: 200 });
  });
});
