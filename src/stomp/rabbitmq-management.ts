/**
 * The little of RabbitMQ's HTTP management API the package needs: deleting a queue. Stream
 * queues (used for retained streams) never expire and STOMP cannot delete a queue, so the
 * consumer that finishes a retained stream deletes its queue through this API.
 * @module
 */
import { ErrorCode, InvalidOptionError, StompStreamsError } from '../errors.js';
import * as v from '../validate.js';

/**
 * Where and how to reach RabbitMQ's management API (the `rabbitmq_management` plugin).
 *
 * @example
 * ```ts
 * const session = await connect('tcp://127.0.0.1:61613', { login: 'guest', passcode: 'guest', management: { url: 'http://127.0.0.1:15672' } });
 * ```
 */
export interface ManagementOptions {
  /** Base URL of the management API, e.g. `http://127.0.0.1:15672`. */
  url: string;
  /** User; defaults to the session's `login`. */
  login?: string;
  /** Password; defaults to the session's `passcode`. */
  passcode?: string;
  /** Virtual host; defaults to the session's `host` (`/`). */
  vhost?: string;
}

/** Validated {@link ManagementOptions}. @internal */
export interface ResolvedManagement {
  url: string;
  authorization: string;
  vhost: string;
}

/** Validates the `management` option; credentials default to the session's. @internal */
export function resolveManagement(value: unknown, session: { login?: string; passcode?: string; host?: string }): ResolvedManagement | undefined {
  if (value === undefined) return undefined;
  const o = v.optionalObject('management', value);
  const url = v.string('management.url', o['url'], undefined, true);
  if (url === undefined || !/^https?:\/\/[^/]+/.test(url)) throw new InvalidOptionError('management.url', `expected an http(s) URL, got ${v.describe(url)}`);
  const login = v.string('management.login', o['login']) ?? session.login ?? '';
  const passcode = v.string('management.passcode', o['passcode']) ?? session.passcode ?? '';
  return {
    url: url.replace(/\/+$/, ''),
    authorization: `Basic ${btoa(`${login}:${passcode}`)}`,
    vhost: v.string('management.vhost', o['vhost']) ?? session.host ?? '/',
  };
}

/** The queue name behind a STOMP destination (`/queue/x`, `/amq/queue/x`), or undefined. @internal */
export function queueNameOf(destination: string): string | undefined {
  const m = /^\/(?:amq\/)?queue\/(.+)$/.exec(destination);
  return m?.[1];
}

/** Deletes a queue; a queue already gone counts as deleted. Rejects with a typed error otherwise. @internal */
export async function deleteQueue(m: ResolvedManagement, queue: string): Promise<void> {
  const target = `${m.url}/api/queues/${encodeURIComponent(m.vhost)}/${encodeURIComponent(queue)}`;
  let res: Response;
  try {
    res = await fetch(target, { method: 'DELETE', headers: { authorization: m.authorization } });
  } catch (cause) {
    throw new StompStreamsError(ErrorCode.ConnectFailed, `cannot reach the RabbitMQ management API at ${m.url}`, { cause });
  }
  if (res.ok || res.status === 404) return;
  throw new StompStreamsError(ErrorCode.Broker, `the RabbitMQ management API refused to delete queue ${JSON.stringify(queue)}: HTTP ${res.status}`);
}
