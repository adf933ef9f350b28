/**
 * The STOMP 1.2 frame as the rest of the package sees it.
 * @module
 */

/**
 * Frame headers. Decoded headers are a null-prototype object (so hostile names such as
 * `__proto__` are plain keys) holding the *first* value of each repeated header, as
 * STOMP 1.2 requires.
 *
 * @example
 * ```ts
 * const h: FrameHeaders = Object.create(null); h['destination'] = '/queue/a';
 * ```
 */
export type FrameHeaders = Record<string, string>;

/**
 * One STOMP frame.
 *
 * @example
 * ```ts
 * import type { Frame } from 'stomp-streams';
 * const f: Frame = { command: 'SEND', headers: { destination: '/queue/a' }, body: new Uint8Array([1, 2]) };
 * ```
 */
export interface Frame {
  /** STOMP command, e.g. `SEND`, `MESSAGE`, `ERROR`. */
  command: string;
  /** Headers (first value wins for repeated names). */
  headers: FrameHeaders;
  /** Body bytes; may be a view into a larger buffer: copy it if you keep it past the callback. */
  body: Uint8Array;
}

/** Create an empty null-prototype header object. @internal */
export function emptyHeaders(): FrameHeaders {
  return Object.create(null) as FrameHeaders;
}
