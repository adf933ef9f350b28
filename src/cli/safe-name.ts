/**
 * Turning an untrusted stream name into a file name that cannot leave the output directory.
 * @module
 */

const MAX_BYTES = 200;

/**
 * A safe base name for `name`: path separators, `..`, NUL and control characters can never
 * survive, the result is at most 200 UTF-8 bytes, and an empty or dot-only result falls back
 * to `stream-<id>`. Never returns a path — only a single file-name component.
 *
 * @example
 * ```ts
 * safeFileName('../../etc/passwd', 'abc'); // 'passwd'
 * safeFileName('', 'abc');                 // 'stream-abc'
 * ```
 */
export function safeFileName(name: string, id: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  let clean = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').trim();
  clean = truncateUtf8(clean, MAX_BYTES);
  if (clean === '' || /^\.+$/.test(clean)) return `stream-${id}`;
  return clean;
}

function truncateUtf8(s: string, maxBytes: number): string {
  const enc = new TextEncoder();
  if (enc.encode(s).byteLength <= maxBytes) return s;
  let out = '';
  for (const ch of s) {
    if (enc.encode(out + ch).byteLength > maxBytes) break;
    out += ch;
  }
  return out;
}
