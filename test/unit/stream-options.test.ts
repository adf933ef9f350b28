import { describe, expect, it } from 'vitest';
import { resolveConsumeOptions, resolveWritableOptions, destination } from '../../src/stream/stream-options.js';
import { resolveSessionOptions } from '../../src/stomp/session-options.js';
import { connectorFor } from '../../src/stomp/connectors.js';
import { InvalidOptionError } from '../../src/errors.js';

function field(fn: () => unknown): string {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(InvalidOptionError); return (e as InvalidOptionError).field; }
  throw new Error('did not throw');
}

describe('option validation names the field', () => {
  it.each([
    [{ chunkSize: 10 }, 'chunkSize'],
    [{ chunkSize: 1.5 }, 'chunkSize'],
    [{ delivery: 'later' }, 'delivery'],
    [{ hash: 'md5' }, 'hash'],
    [{ digest: 'md5' }, 'digest'],
    [{ size: -1 }, 'size'],
    [{ metadata: { a: 1 } }, 'metadata.a'],
    [{ ttl: 0 }, 'ttl'],
    [{ window: 0 }, 'window'],
    [{ encoding: 'utf16' }, 'encoding'],
    [{ signal: {} }, 'signal'],
    [{ name: 5 }, 'name'],
    [{ name: 'x'.repeat(4097) }, 'name'],
    [{ contentType: 'x'.repeat(257) }, 'contentType'],
    [{ metadata: { big: 'x'.repeat(70_000) } }, 'metadata'],
  ])('writable %j -> %s', (opts, name) => {
    expect(field(() => resolveWritableOptions(opts))).toBe(name);
  });

  it.each([
    [{ window: 5000 }, 'window'],
    [{ maxChunkSize: 1 }, 'maxChunkSize'],
    [{ digest: true }, 'digest'],
  ])('consume %j -> %s', (opts, name) => {
    expect(field(() => resolveConsumeOptions(opts))).toBe(name);
  });

  it.each([
    [{ heartbeat: { outgoing: -1 } }, 'heartbeat.outgoing'],
    [{ heartbeat: 5 }, 'heartbeat'],
    [{ maxUnreceipted: 0 }, 'maxUnreceipted'],
    [{ broker: 'kafka' }, 'broker'],
    [{ protocols: [''] }, 'protocols'],
    [{ transport: 'ws' }, 'transport'],
    [{ connectHeaders: { a: 1 } }, 'connectHeaders.a'],
  ])('session %j -> %s', (opts, name) => {
    expect(field(() => resolveSessionOptions(opts))).toBe(name);
  });

  it('rejects bad URLs and destinations', () => {
    expect(field(() => connectorFor('ftp://x'))).toBe('url');
    expect(field(() => connectorFor('not a url'))).toBe('url');
    expect(field(() => destination('destination', 'queue/x'))).toBe('destination');
    expect(field(() => destination('destination', '/queue/x\ny'))).toBe('destination');
  });

  it('applies documented defaults', () => {
    expect(resolveWritableOptions(undefined)).toMatchObject({ chunkSize: 262144, delivery: 'live', hash: 'xxh64', digest: false, window: 8, ttl: 86_400_000 });
    expect(resolveConsumeOptions({})).toMatchObject({ window: 8, digest: false });
    expect(resolveSessionOptions({})).toMatchObject({ heartbeatOut: 10000, heartbeatIn: 10000, maxUnreceipted: 16, host: '/' });
  });
});
