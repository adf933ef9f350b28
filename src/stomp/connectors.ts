/**
 * Chooses a transport from a URL scheme. This is the only place that maps schemes to
 * transports; applications can bypass it with the `transport` option of `connect()`.
 * @module
 */
import { InvalidOptionError } from '../errors.js';
import { tcpConnector } from './tcp-transport.js';
import type { TransportConnector } from './transport.js';
import { webSocketConnector } from './ws-transport.js';

const BY_SCHEME: Readonly<Record<string, TransportConnector>> = {
  'ws:': webSocketConnector,
  'wss:': webSocketConnector,
  'tcp:': tcpConnector,
  'stomp:': tcpConnector,
  'tls:': tcpConnector,
  'ssl:': tcpConnector,
  'stomp+ssl:': tcpConnector,
};

/**
 * Parses a broker URL and returns it with the connector for its scheme.
 *
 * @example
 * ```ts
 * import { connectorFor } from 'stomp-streams';
 * const { url } = connectorFor('tcp://127.0.0.1:61613'); // url.port === '61613'
 * ```
 */
export function connectorFor(url: string | URL): { url: URL; connector: TransportConnector } {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch (cause) {
    throw new InvalidOptionError('url', `not a valid URL: ${String(url)}`, { cause });
  }
  const connector = BY_SCHEME[parsed.protocol];
  if (!connector) {
    throw new InvalidOptionError('url', `unsupported scheme "${parsed.protocol}" (use ${Object.keys(BY_SCHEME).join(' ')})`);
  }
  return { url: parsed, connector };
}
