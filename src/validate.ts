/**
 * Option validation helpers. Every public entry point validates its options once, up front,
 * and throws an {@link InvalidOptionError} that names the field.
 * @module
 * @internal
 */
import { InvalidOptionError } from './errors.js';

/** Throws unless `value` is undefined or a plain object. */
export function optionalObject(field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(field, `expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** An integer in [min, max], or the default when undefined. */
export function integer(field: string, value: unknown, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidOptionError(field, `expected an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    throw new InvalidOptionError(field, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** A string (optionally non-empty), or the default when undefined. */
export function string(field: string, value: unknown, dflt?: string, nonEmpty = false): string | undefined {
  if (value === undefined) return dflt;
  if (typeof value !== 'string') throw new InvalidOptionError(field, `expected a string, got ${describe(value)}`);
  if (nonEmpty && value.length === 0) throw new InvalidOptionError(field, 'must not be empty');
  return value;
}

/** A boolean, or the default when undefined. */
export function boolean(field: string, value: unknown, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value !== 'boolean') throw new InvalidOptionError(field, `expected a boolean, got ${describe(value)}`);
  return value;
}

/** One of the allowed string values, or the default when undefined. */
export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(field, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** One of the allowed string values, or undefined. */
export function optionalOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T | undefined {
  return value === undefined ? undefined : oneOf(field, value, allowed, allowed[0] as T);
}

/** An AbortSignal or undefined. */
export function signal(field: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as AbortSignal).aborted !== 'boolean') {
    throw new InvalidOptionError(field, `expected an AbortSignal, got ${describe(value)}`);
  }
  return value as AbortSignal;
}

/** A function or undefined. */
export function fn<T>(field: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InvalidOptionError(field, `expected a function, got ${describe(value)}`);
  return value as T;
}

/** A string map (`Record<string,string>`), copied into a null-prototype object. */
export function stringMap(field: string, value: unknown): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(optionalObject(field, value))) {
    if (typeof v !== 'string') throw new InvalidOptionError(`${field}.${k}`, `expected a string, got ${describe(v)}`);
    out[k] = v;
  }
  return out;
}

/** Short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value;
}
