/**
 * Reconnect timing: exponential backoff with jitter, and the give-up deadline.
 *
 * Delay of attempt n (1-based) is `min(maxDelay, initialDelay · factor^(n−1))`, then spread
 * by ±`jitter` (a fraction) so that many clients cut off by the same broker restart do not
 * all knock at the same instant. The session stops trying once `timeout` ms have passed
 * since the connection was lost.
 * @module
 */
import { InvalidOptionError } from '../errors.js';
import * as v from '../validate.js';

/**
 * How a session reconnects after losing its connection.
 *
 * @example
 * ```ts
 * const session = await connect(url, { reconnect: { initialDelay: 100, maxDelay: 2000, timeout: 120_000 } });
 * ```
 */
export interface ReconnectOptions {
  /** Delay before the first attempt, ms. Default 250. */
  initialDelay?: number;
  /** Longest delay between attempts, ms. Default 5000. */
  maxDelay?: number;
  /** Growth of the delay per attempt. Default 2. */
  factor?: number;
  /** Random spread of each delay, as a fraction (0 … 1). Default 0.2. */
  jitter?: number;
  /** Give up (and fail the session) after this many ms without a connection. Default 60 000. */
  timeout?: number;
}

/** Validated {@link ReconnectOptions}. @internal */
export interface ResolvedReconnect {
  initialDelay: number;
  maxDelay: number;
  factor: number;
  jitter: number;
  timeout: number;
}

const HOUR = 3_600_000;

/** Validates the `reconnect` option (`true`, `false`, `undefined` or an object). @internal */
export function resolveReconnect(value: unknown, enabledByDefault: boolean): ResolvedReconnect | undefined {
  if (value === false || (value === undefined && !enabledByDefault)) return undefined;
  const o = value === true || value === undefined ? {} : v.optionalObject('reconnect', value);
  const r = {
    initialDelay: v.integer('reconnect.initialDelay', o['initialDelay'], 250, 0, HOUR),
    maxDelay: v.integer('reconnect.maxDelay', o['maxDelay'], 5000, 0, HOUR),
    factor: fraction('reconnect.factor', o['factor'], 2, 1, 100),
    jitter: fraction('reconnect.jitter', o['jitter'], 0.2, 0, 1),
    timeout: v.integer('reconnect.timeout', o['timeout'], 60_000, 0, 7 * 24 * HOUR),
  };
  if (r.maxDelay < r.initialDelay) throw new InvalidOptionError('reconnect.maxDelay', `must be at least reconnect.initialDelay (${r.initialDelay})`);
  return r;
}

function fraction(field: string, value: unknown, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidOptionError(field, `expected a number from ${min} to ${max}, got ${v.describe(value)}`);
  }
  return value;
}

/** Delay before attempt `attempt` (1-based), ms. `random` returns [0, 1). @internal */
export function backoffDelay(attempt: number, o: ResolvedReconnect, random: () => number = Math.random): number {
  const base = Math.min(o.maxDelay, o.initialDelay * o.factor ** Math.max(0, attempt - 1));
  const spread = base * o.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}
