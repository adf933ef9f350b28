import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameDecoder, HEARTBEAT_EOL, encodeFrame, type EncodeHeaders } from '../../src/stomp/frame-codec.js';
import { ErrorCode, FrameError, InvalidOptionError } from '../../src/errors.js';
import type { Frame } from '../../src/stomp/frame.js';

const te = new TextEncoder();
const td = new TextDecoder();
const bytes = (s: string) => te.encode(s);
const text = (b: Uint8Array) => td.decode(b);
const MALFORMED = ErrorCode.FrameMalformed;
const TOO_LARGE = ErrorCode.FrameTooLarge;

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

/** Pushes `wire` cut into pieces of the given sizes (cycled); returns all frames. */
function decodeInPieces(d: FrameDecoder, wire: Uint8Array, sizes: readonly number[]): Frame[] {
  const out: Frame[] = [];
  for (let pos = 0, k = 0; pos < wire.length; k++) {
    const n = sizes[k % sizes.length] ?? 1;
    out.push(...d.push(wire.subarray(pos, pos + n)));
    pos += n;
  }
  return out;
}

describe('encodeFrame', () => {
  it('writes command, escaped names and values, content-length, body and NUL; skips undefined', () => {
    const f = encodeFrame('SEND', { destination: '/queue/a', 'x:y\\': 'a\nb\\c:d\re', n: 5, ok: true, skip: undefined }, bytes('hi'));
    expect(text(f)).toBe('SEND\ndestination:/queue/a\nx\\cy\\\\:a\\nb\\\\c\\cd\\re\nn:5\nok:true\ncontent-length:2\n\nhi\0');
  });

  it('allocates one exact-size buffer, counting UTF-8 bytes of a string body', () => {
    const s = encodeFrame('SEND', { destination: '/q/é' }, 'é€😀');
    expect(text(s)).toBe('SEND\ndestination:/q/é\ncontent-length:9\n\né€😀\0');
    expect(s.buffer.byteLength).toBe(s.byteLength);
    const body = new Uint8Array(1000).fill(9);
    const b = encodeFrame('SEND', {}, body);
    expect(b.buffer.byteLength).toBe(b.byteLength);
    expect(b.byteLength).toBe('SEND\ncontent-length:1000\n\n'.length + 1000 + 1);
  });

  it('encodes any string body exactly as TextEncoder does (astral, lone surrogates)', () => {
    const unit = fc.oneof(fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), fc.constantFrom('😀', 'é', '€', 'a'));
    fc.assert(fc.property(fc.string({ unit, maxLength: 40 }), (s) => {
      expect(encodeFrame('SEND', { h: s }, s)).toEqual(encodeFrame('SEND', { h: s }, te.encode(s)));
    }), { numRuns: 300 });
  });

  it('sends CONNECT, STOMP and CONNECTED headers verbatim and omits content-length for an empty body', () => {
    expect(text(encodeFrame('CONNECT', { login: 'a:b', passcode: 'p\\c' }))).toBe('CONNECT\nlogin:a:b\npasscode:p\\c\n\n\0');
    expect(text(encodeFrame('STOMP', { host: 'h:1' }, ''))).toBe('STOMP\nhost:h:1\n\n\0');
    expect(text(encodeFrame('CONNECTED', { server: 'x:1' }))).toBe('CONNECTED\nserver:x:1\n\n\0');
  });

  it('rejects LF/CR in verbatim (CONNECT) headers and ":" in their names instead of letting them forge lines', () => {
    expect(errorOf(() => encodeFrame('CONNECT', { login: 'a\npasscode:x' })).message).toMatch(/login/);
    expect(errorOf(() => encodeFrame('CONNECT', { login: 'a\r' })).code).toBe(MALFORMED);
    expect(errorOf(() => encodeFrame('STOMP', { 'a:b': 'c' })).code).toBe(MALFORMED);
  });

  it("keeps the caller's content-length when it is right, and rejects it when it is wrong", () => {
    expect(text(encodeFrame('SEND', { 'content-length': 2, a: 'b' }, 'hi'))).toBe('SEND\ncontent-length:2\na:b\n\nhi\0');
    expect(text(encodeFrame('SEND', { 'content-length': '0' }))).toBe('SEND\ncontent-length:0\n\n\0');
    const e = errorOf(() => encodeFrame('SEND', { 'content-length': 3 }, bytes('hi')));
    expect(e.code).toBe(MALFORMED);
    expect(e.message).toMatch(/"3".*2 bytes/);
    expect(errorOf(() => encodeFrame('SEND', { 'content-length': '02' }, 'hi')).code).toBe(MALFORMED);
    expect(errorOf(() => encodeFrame('SEND', { 'content-length': 1 }, 'é')).code).toBe(MALFORMED); // 2 bytes
  });

  it.each([[''], ['SE\nND'], ['SEND\r'], ['SE\0ND']])('rejects the command %j', (command) => {
    expect(errorOf(() => encodeFrame(command, {})).code).toBe(MALFORMED);
  });

  it('rejects an empty header name', () => {
    expect(errorOf(() => encodeFrame('SEND', { '': 'x' })).message).toMatch(/empty header name/);
  });

  it('HEARTBEAT_EOL is a single LF', () => {
    expect(Array.from(HEARTBEAT_EOL)).toEqual([10]);
  });
});

describe('FrameDecoder', () => {
  it('decodes several frames and heart-beats from one chunk, unescaping headers, first header wins', () => {
    const d = new FrameDecoder();
    const frames = d.push(bytes('\n\r\nMESSAGE\na:1\na:2\nk\\c:v\\n\\\\\n\nbody\0\nRECEIPT\r\nreceipt-id:r1\r\n\r\n\0\n'));
    expect(frames.map((f) => f.command)).toEqual(['MESSAGE', 'RECEIPT']);
    expect({ ...frames[0]!.headers }).toEqual({ a: '1', 'k:': 'v\n\\' });
    expect(text(frames[0]!.body)).toBe('body');
    expect({ ...frames[1]!.headers }).toEqual({ 'receipt-id': 'r1' });
    expect(frames[1]!.body.byteLength).toBe(0);
    expect(d.heartbeats).toBe(4);
    expect(d.buffered).toBe(0);
    expect(Object.getPrototypeOf(frames[0]!.headers)).toBeNull();
  });

  it('counts a CRLF heart-beat split across chunks once, and returns [] for incomplete input', () => {
    const d = new FrameDecoder();
    expect(d.push(bytes('\r'))).toEqual([]);
    expect(d.push(bytes('\n\n'))).toEqual([]);
    expect(d.heartbeats).toBe(2);
    expect(d.push(bytes('MESS'))).toEqual([]);
    expect(d.buffered).toBe(4);
    expect(d.push(bytes('AGE\n\n\0')).map((f) => f.command)).toEqual(['MESSAGE']);
  });

  it('decodes CRLF line endings split at every position (every 2-way split and 1-byte chunks)', () => {
    const wire = bytes('\r\nMESSAGE\r\na:1\r\nb:x\\r\r\n\r\nbody\0\r\nRECEIPT\r\n\r\n\0');
    const check = (frames: Frame[], d: FrameDecoder) => {
      expect(frames.map((f) => [f.command, { ...f.headers }, text(f.body)])).toEqual([
        ['MESSAGE', { a: '1', b: 'x\r' }, 'body'], ['RECEIPT', {}, ''],
      ]);
      expect(d.heartbeats).toBe(2);
    };
    for (let cut = 1; cut < wire.length; cut++) {
      const d = new FrameDecoder();
      check([...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))], d);
    }
    const d = new FrameDecoder();
    check(decodeInPieces(d, wire, [1]), d);
  });

  it('rejects a heart-beat CR at a chunk end that is not followed by LF', () => {
    const d = new FrameDecoder();
    expect(d.push(bytes('\n\r'))).toEqual([]);
    expect(errorOf(() => d.push(bytes('MESSAGE\n\n\0'))).message).toMatch(/CR not followed by LF/);
  });

  it('splits header lines at the first colon (unescaped colons in values are kept)', () => {
    const [f] = new FrameDecoder().push(bytes('MESSAGE\nmessage-id:ID:host-1:2:3\nempty:\n\n\0'));
    expect(f!.headers['message-id']).toBe('ID:host-1:2:3');
    expect(f!.headers['empty']).toBe('');
  });

  it('does not unescape CONNECTED headers', () => {
    const [f] = new FrameDecoder().push(bytes('CONNECTED\nserver:a\\cb\\t\n\n\0'));
    expect(f!.headers['server']).toBe('a\\cb\\t');
  });

  it('treats hostile header names as plain own keys of a null-prototype object', () => {
    const [f] = new FrameDecoder().push(bytes('MESSAGE\n__proto__:x\nconstructor:y\ntoString:z\n\n\0'));
    expect(Object.keys(f!.headers)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(f!.headers['__proto__']).toBe('x');
    expect(f!.headers['constructor']).toBe('y');
  });

  it('returns a body inside one chunk as a view, and a spanning body as one exact allocation', () => {
    const frame = encodeFrame('MESSAGE', { a: 'b' }, new Uint8Array(1000).fill(7));
    const [f] = new FrameDecoder().push(frame);
    expect(f!.body.buffer).toBe(frame.buffer);
    expect(f!.body.byteOffset).toBe(frame.indexOf(7));

    const d = new FrameDecoder();
    expect(d.push(frame.slice(0, 300))).toEqual([]);
    expect(d.push(frame.slice(300, 700))).toEqual([]);
    expect(d.buffered).toBe(700 - frame.indexOf(7));
    const [g] = d.push(frame.slice(700));
    expect(g!.body.buffer.byteLength).toBe(1000);
    expect(g!.body.byteOffset).toBe(0);
    expect(g!.body.every((b) => b === 7)).toBe(true);
  });

  it('returns a view of the later chunk when only the head came earlier', () => {
    const frame = encodeFrame('MESSAGE', {}, new Uint8Array(50).fill(3));
    const bodyAt = frame.indexOf(3);
    const d = new FrameDecoder();
    d.push(frame.slice(0, bodyAt));
    const rest = frame.slice(bodyAt);
    expect(d.push(rest)[0]!.body.buffer).toBe(rest.buffer);
  });

  it('returns a body without content-length inside one chunk as a view', () => {
    const wire = bytes('MESSAGE\n\nhello\0');
    const [f] = new FrameDecoder().push(wire);
    expect(text(f!.body)).toBe('hello');
    expect(f!.body.buffer).toBe(wire.buffer);
  });

  it('joins a body without content-length that spans chunks with one exact allocation', () => {
    const d = new FrameDecoder();
    const parts = ['MESSAGE\n\nab', 'cdef', 'gh', 'ij\0'].map(bytes);
    const out = parts.flatMap((p) => d.push(p));
    expect(text(out[0]!.body)).toBe('abcdefghij');
    expect(out[0]!.body.buffer.byteLength).toBe(10);
    for (const p of parts) expect(out[0]!.body.buffer).not.toBe(p.buffer);
  });

  it.each([
    ['no NUL after the content-length bytes', 'MESSAGE\ncontent-length:2\n\nabc\0', MALFORMED, /content-length does not match/],
    ['a lying (short) content-length', 'MESSAGE\ncontent-length:1\n\nab\0', MALFORMED, /content-length does not match/],
    ['a lying (long) content-length eating the next frame', 'MESSAGE\ncontent-length:5\n\nab\0MESSAGE\n\n\0', MALFORMED, /content-length does not match/],
    ['a non-numeric content-length', 'MESSAGE\ncontent-length:abc\n\n\0', MALFORMED, /content-length "abc"/],
    ['a negative content-length', 'MESSAGE\ncontent-length:-1\n\n\0', MALFORMED, /content-length "-1"/],
    ['a plus-signed content-length', 'MESSAGE\ncontent-length:+5\n\nabcde\0', MALFORMED, /content-length "\+5"/],
    ['an exponent content-length', 'MESSAGE\ncontent-length:1e3\n\n\0', MALFORMED, /content-length "1e3"/],
    ['a leading-zero content-length', 'MESSAGE\ncontent-length:05\n\nabcde\0', MALFORMED, /canonical/],
    ['a content-length with spaces', 'MESSAGE\ncontent-length: 5\n\nabcde\0', MALFORMED, /canonical/],
    ['a 20-digit content-length', 'MESSAGE\ncontent-length:12345678901234567890\n\n', TOO_LARGE, /12345678901234567890 .*maxFrameSize/],
    ['an undefined escape \\t', 'MESSAGE\na:b\\tc\n\n\0', MALFORMED, /escape sequence \\t/],
    ['an undefined escape in a name', 'MESSAGE\na\\x:b\n\n\0', MALFORMED, /escape sequence \\x/],
    ['a trailing backslash', 'MESSAGE\na:b\\\n\n\0', MALFORMED, /lone backslash/],
    ['a header line without colon', 'MESSAGE\nnocolon\n\n\0', MALFORMED, /no name and colon: "nocolon"/],
    ['a header with an empty name', 'MESSAGE\n:value\n\n\0', MALFORMED, /no name and colon/],
    ['a CR not followed by LF between frames', '\rX', MALFORMED, /CR not followed by LF/],
  ])('rejects %s', (_name, wire, code, message) => {
    const e = errorOf(() => new FrameDecoder().push(bytes(wire)));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it('rejects a missing NUL when the content-length body ends exactly at a chunk boundary', () => {
    const d = new FrameDecoder();
    expect(d.push(bytes('MESSAGE\ncontent-length:3\n\nabc'))).toEqual([]);
    expect(d.buffered).toBe(3);
    expect(errorOf(() => d.push(bytes('X'))).code).toBe(MALFORMED);
  });

  it('rejects invalid UTF-8 in headers, even when split across chunks', () => {
    const bad = concat([bytes('MESSAGE\na:'), new Uint8Array([0xff, 0xfe]), bytes('\n\n\0')]);
    expect(errorOf(() => new FrameDecoder().push(bad)).message).toMatch(/UTF-8/);
    const d = new FrameDecoder();
    d.push(bad.subarray(0, 11));
    expect(errorOf(() => d.push(bad.subarray(11))).code).toBe(MALFORMED);
  });

  it('rejects an oversized content-length before buffering the body, then stays failed', () => {
    const d = new FrameDecoder({ maxFrameSize: 1000 });
    const e = errorOf(() => d.push(bytes('MESSAGE\ncontent-length:1001\n\nxx')));
    expect(e.code).toBe(TOO_LARGE);
    expect(e.message).toMatch(/1001 .*maxFrameSize 1000/);
    expect(d.buffered).toBe(0);
    expect(errorOf(() => d.push(bytes('\n')))).toBe(e);
  });

  it('accepts a body of exactly maxFrameSize, with and without content-length', () => {
    const body = new Uint8Array(100).fill(1);
    expect(new FrameDecoder({ maxFrameSize: 100 }).push(encodeFrame('MESSAGE', {}, body))[0]!.body).toEqual(body);
    const wire = concat([bytes('MESSAGE\n\n'), body, new Uint8Array(1)]);
    expect(decodeInPieces(new FrameDecoder({ maxFrameSize: 100 }), wire, [7])[0]!.body).toEqual(body);
  });

  it('rejects an oversized body without content-length while searching for the NUL', () => {
    const d = new FrameDecoder({ maxFrameSize: 100 });
    d.push(bytes('MESSAGE\n\n'));
    d.push(new Uint8Array(60).fill(65));
    expect(d.buffered).toBe(60);
    const e = errorOf(() => d.push(new Uint8Array(60).fill(65)));
    expect(e.code).toBe(TOO_LARGE);
    expect(e.message).toMatch(/without content-length exceeds maxFrameSize 100/);
    expect(errorOf(() => new FrameDecoder({ maxFrameSize: 100 }).push(concat([bytes('SEND\n\n'), new Uint8Array(101).fill(1), new Uint8Array(1)]))).code).toBe(TOO_LARGE);
  });

  it('accepts a header block of exactly maxHeaderBytes and rejects one byte more', () => {
    const block = 'MESSAGE\na:' + 'x'.repeat(50) + '\n\n'; // 62 bytes
    expect(new FrameDecoder({ maxHeaderBytes: 62 }).push(bytes(`${block}\0`))).toHaveLength(1);
    expect(decodeInPieces(new FrameDecoder({ maxHeaderBytes: 62 }), bytes(`${block}\0`), [1])).toHaveLength(1);
    const e = errorOf(() => new FrameDecoder({ maxHeaderBytes: 61 }).push(bytes(`${block}\0`)));
    expect(e.code).toBe(TOO_LARGE);
    expect(e.message).toMatch(/maxHeaderBytes 61/);
    expect(() => decodeInPieces(new FrameDecoder({ maxHeaderBytes: 61 }), bytes(`${block}\0`), [1])).toThrow(/maxHeaderBytes 61/);
  });

  it('rejects an endless header block without keeping more than maxHeaderBytes', () => {
    const d = new FrameDecoder({ maxHeaderBytes: 64 });
    d.push(bytes('MESSAGE\na:'));
    let err: unknown;
    for (let i = 0; i < 100 && !err; i++) {
      try { d.push(bytes('xx')); } catch (e) { err = e; }
      expect(d.buffered).toBeLessThanOrEqual(64);
    }
    expect(err).toMatchObject({ code: TOO_LARGE });
    const big = new FrameDecoder({ maxHeaderBytes: 64 });
    expect(errorOf(() => big.push(bytes(`MESSAGE\n${'h:v\n'.repeat(10_000)}`))).code).toBe(TOO_LARGE);
    expect(big.buffered).toBe(0);
  });

  it('accepts maxHeaders headers and rejects one more', () => {
    const wire = (n: number) => bytes(`MESSAGE\n${Array.from({ length: n }, (_, i) => `h${i}:v\n`).join('')}\n\0`);
    expect(Object.keys(new FrameDecoder({ maxHeaders: 4 }).push(wire(4))[0]!.headers)).toHaveLength(4);
    const e = errorOf(() => new FrameDecoder({ maxHeaders: 4 }).push(wire(5)));
    expect(e.code).toBe(TOO_LARGE);
    expect(e.message).toMatch(/maxHeaders 4/);
  });

  it('rejects invalid limits', () => {
    expect(() => new FrameDecoder({ maxFrameSize: -1 })).toThrow(InvalidOptionError);
    expect(() => new FrameDecoder({ maxHeaders: 1.5 })).toThrow(/maxHeaders/);
  });
});

describe('codec round trip (property)', () => {
  const commands = fc.constantFrom('CONNECT', 'STOMP', 'CONNECTED', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK',
    'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT', 'MESSAGE', 'RECEIPT', 'ERROR');
  const headerText = fc.string({
    unit: fc.oneof(fc.constantFrom(':', '\\', '\n', '\r', 'é', '€', '😀', '\\c', '\\n'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
    maxLength: 12,
  });
  const verbatimOk = (headers: Record<string, string>) =>
    Object.entries(headers).every(([k, v]) => !/[\n\r:]/.test(k) && !/[\n\r]/.test(v));
  const headersArb = fc.dictionary(headerText.filter((s) => s.length > 0 && s !== 'content-length'), headerText, { maxKeys: 5 });
  const textBody = fc.string({ unit: fc.oneof(fc.constantFrom('é', '😀', '\n'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 300 })
    .filter((s) => !s.includes('\0'));
  /** kind: bin = random bytes (NULs too) with content-length; str = string body with content-length; nul = text without content-length. */
  const frameArb = fc.record({
    command: commands,
    headers: headersArb,
    kind: fc.constantFrom('bin', 'str', 'nul'),
    bin: fc.uint8Array({ maxLength: 2000 }),
    str: textBody,
  }).filter((f) => !['CONNECT', 'STOMP', 'CONNECTED'].includes(f.command) || verbatimOk(f.headers));
  type Gen = typeof frameArb extends fc.Arbitrary<infer T> ? T : never;

  const expectedBody = (f: Gen) => (f.kind === 'bin' ? f.bin : bytes(f.str));
  function wireOf(f: Gen): Uint8Array {
    if (f.kind === 'bin') return encodeFrame(f.command, f.headers as EncodeHeaders, f.bin);
    if (f.kind === 'str') return encodeFrame(f.command, f.headers as EncodeHeaders, f.str);
    const head = encodeFrame(f.command, f.headers as EncodeHeaders); // no body: no content-length
    return concat([head.subarray(0, head.length - 1), bytes(f.str), new Uint8Array(1)]);
  }

  const heartbeats = fc.constantFrom('', '\n', '\r\n', '\n\n', '\r\n\n');
  const cuts = fc.oneof(
    { weight: 1, arbitrary: fc.constant([1]) },
    { weight: 4, arbitrary: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }) },
  );

  it('decodes any frames, with heart-beats between, split at any chunk boundaries', () => {
    fc.assert(fc.property(fc.array(fc.tuple(heartbeats, frameArb), { minLength: 1, maxLength: 6 }), heartbeats, cuts, (frames, trailing, sizes) => {
      const wire = concat([...frames.flatMap(([hb, f]) => [bytes(hb), wireOf(f)]), bytes(trailing)]);
      const d = new FrameDecoder();
      const out = decodeInPieces(d, wire, sizes);
      expect(out).toHaveLength(frames.length);
      out.forEach((got, i) => {
        const want = frames[i]![1];
        const body = expectedBody(want);
        expect(got.command).toBe(want.command);
        const h = { ...got.headers };
        expect(h['content-length']).toBe(want.kind === 'nul' || body.length === 0 ? undefined : String(body.length));
        delete h['content-length'];
        expect(h).toEqual(want.headers);
        expect(got.body).toEqual(body);
      });
      const eols = [...frames.map(([hb]) => hb), trailing].join('').replaceAll('\r\n', '\n').length;
      expect(d.heartbeats).toBe(eols);
      expect(d.buffered).toBe(0);
    }), { numRuns: 400 });
  });
});

describe('FrameDecoder with transientChunks (a transport that reads into one buffer)', () => {
  it('keeps copies, never views, so reusing the chunk cannot change a decoded body', () => {
    const read = new Uint8Array(4096);
    const d = new FrameDecoder({ transientChunks: true });
    const wire = encodeFrame('MESSAGE', { destination: '/queue/a', subscription: 's', 'message-id': '1' }, 'inside one read');
    read.set(wire);
    const [whole] = d.push(read.subarray(0, wire.byteLength));
    const noLength = new TextEncoder().encode('MESSAGE\ndestination:/queue/a\n\nsplit ');
    read.set(noLength);
    expect(d.push(read.subarray(0, noLength.byteLength))).toEqual([]);
    read.set(new TextEncoder().encode('body\0'));
    const [split] = d.push(read.subarray(0, 5));
    read.fill(0x41); // the transport reads the next bytes into the same memory
    expect(new TextDecoder().decode(whole?.body)).toBe('inside one read');
    expect(new TextDecoder().decode(split?.body)).toBe('split body');
  });

  it('without it, a body inside one chunk is a zero-copy view', () => {
    const wire = encodeFrame('MESSAGE', { destination: '/queue/a' }, 'view');
    const [f] = new FrameDecoder().push(wire);
    expect(f?.body.buffer).toBe(wire.buffer);
  });
});
