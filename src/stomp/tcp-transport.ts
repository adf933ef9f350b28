/**
 * TCP transport over `node:net` / `node:tls`, which Node, Deno and Bun all provide.
 * Loaded lazily by {@link connectorFor}, so browser bundles never import `node:` modules.
 * @module
 */
import { ConnectionError, ErrorCode } from '../errors.js';
import type { Transport, TransportConnector, TransportHandlers, TransportOptions } from './transport.js';

interface NodeSocketLike {
  readonly writableLength: number;
  write(data: Uint8Array): boolean;
  end(): void;
  destroy(): void;
  setNoDelay(noDelay: boolean): void;
  on(event: string, listener: (...args: never[]) => void): void;
  once(event: string, listener: (...args: never[]) => void): void;
  removeAllListeners(event?: string): void;
}

/**
 * Connects over plain TCP (`tcp://`, `stomp://`) or TLS (`tls://`, `stomp+ssl://`, `ssl://`).
 *
 * @example
 * ```ts
 * import { connect, tcpConnector } from 'stomp-streams';
 * const session = await connect('tcp://127.0.0.1:61613', { transport: tcpConnector });
 * ```
 */
export const tcpConnector: TransportConnector = async (url, handlers, options) => {
  const port = Number(url.port || (isTls(url) ? 61612 : 61613));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const reuse = !isTls(url) && readsIntoOneBuffer();
  const socket = await createSocket(url, host, port, reuse ? handlers.data : undefined).catch((cause: unknown) => {
    throw new ConnectionError(ErrorCode.ConnectFailed, `TCP ${url.host}: ${(cause as Error).message}`, { cause });
  });
  await opened(socket, url, options, isTls(url) ? 'secureConnect' : 'connect');
  socket.setNoDelay(true);
  return new TcpTransport(socket, handlers, reuse);
};

/** Bytes read per socket read when reading into one reused buffer. */
const READ_BUFFER = 256 * 1024;

/**
 * Node's `net` can read into one buffer of ours (`onread`) instead of allocating a fresh
 * 64 KiB buffer per read: sixteen ArrayBuffers per 1 MiB fragment that V8 counts as external
 * memory, which set off most of a stream consumer's full garbage collections. Deno and Bun
 * provide `node:net` too, but not this option: they keep the plain `data` events.
 */
function readsIntoOneBuffer(): boolean {
  const g = globalThis as { Deno?: unknown; Bun?: unknown; process?: { versions?: { node?: string } } };
  return g.Deno === undefined && g.Bun === undefined && typeof g.process?.versions?.node === 'string';
}

/** `node:net` / `node:tls` are loaded only here, on first use (the browser build stubs them). */
async function createSocket(url: URL, host: string, port: number, onRead: ((chunk: Uint8Array) => void) | undefined): Promise<NodeSocketLike> {
  if (isTls(url)) return (await import('node:tls')).connect({ host, port, servername: host }) as unknown as NodeSocketLike;
  const net = await import('node:net');
  if (!onRead) return net.connect({ host, port }) as unknown as NodeSocketLike;
  const buffer = new Uint8Array(READ_BUFFER);
  return net.connect({ host, port, onread: { buffer, callback: (n: number) => { onRead(buffer.subarray(0, n)); return true; } } }) as unknown as NodeSocketLike;
}

function isTls(url: URL): boolean {
  return url.protocol === 'tls:' || url.protocol === 'stomp+ssl:' || url.protocol === 'ssl:';
}

function opened(socket: NodeSocketLike, url: URL, options: TransportOptions, event: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timeout = options.timeout ?? 15000;
    const fail = (why: string, cause?: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ConnectionError(ErrorCode.ConnectFailed, `TCP ${url.host}: ${why}`, { cause }));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeout} ms`), timeout);
    options.signal?.addEventListener('abort', () => fail('aborted', options.signal?.reason), { once: true });
    socket.once('error', ((err: Error) => fail(err.message, err)) as (...a: never[]) => void);
    socket.once(event, () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve();
    });
  });
}

const LOW_WATER = 64 * 1024;

class TcpTransport implements Transport {
  readonly textOnly = false;
  readonly reusesChunks: boolean;
  #socket: NodeSocketLike;
  #handlers: TransportHandlers;
  #closed = false;

  constructor(socket: NodeSocketLike, handlers: TransportHandlers, reusesChunks: boolean) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.reusesChunks = reusesChunks;
    if (!reusesChunks) socket.on('data', ((chunk: Uint8Array) => handlers.data(chunk)) as (...a: never[]) => void);
    socket.on('drain', () => { if (socket.writableLength <= LOW_WATER) handlers.drain(); });
    socket.on('error', ((err: Error) => this.#onClose(err)) as (...a: never[]) => void);
    socket.on('close', () => this.#onClose(undefined));
    socket.on('end', () => this.#onClose(undefined));
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  send(bytes: Uint8Array): void {
    if (!this.#closed) this.#socket.write(bytes);
  }

  close(): void {
    if (!this.#closed) this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
    this.#onClose(new ConnectionError(ErrorCode.ConnectionLost, 'TCP connection destroyed'));
  }

  #onClose(err: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = err && !(err instanceof ConnectionError)
      ? new ConnectionError(ErrorCode.ConnectionLost, `TCP connection failed: ${err.message}`, { cause: err })
      : err;
    this.#handlers.close(error);
  }
}
