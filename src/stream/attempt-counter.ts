/**
 * Counting hand-overs of a stream, so that a stream that kills every consumer that reads it
 * (a poison stream) is given up after a bounded number of attempts instead of looping for ever.
 *
 * Neither ActiveMQ (over STOMP) nor RabbitMQ (classic queues) tells a consumer how often a
 * message was delivered, only that it was delivered before. So the count is kept on the broker
 * beside the stream: a small persistent message on `<fragment destination>.attempts` whose body
 * is the number of consumers that took the stream over. Only the holder of the stream's
 * announcement touches it (the announcement is the lease), and only on a redelivery, so the
 * normal path costs nothing.
 *
 * Crash safety: the old count is acknowledged, then the new one sent with a receipt. A consumer
 * dying in the few milliseconds between loses the count, which restarts from 0 — the limit is
 * reached later, never wrongly early. If counts pile up, the next reader takes the largest.
 * The consumer that finishes the stream removes the count; one left by a crash expires with the
 * stream's ttl.
 * @module
 */
import type { SendHeaders, StompMessage, StompSession } from '../stomp/session-types.js';

/** How long to wait for an existing count before taking it as absent. */
const READ_WINDOW_MS = 750;
/** After the first count arrived, how long to wait for a second (left by a crash). */
const QUIET_MS = 100;

/** Where the count of a stream lives. @internal */
export function attemptsDestination(fragmentDestination: string): string {
  return `${fragmentDestination}.attempts`;
}

/**
 * Reads the stream's hand-over count, stores count + 1, and returns count + 1 (1 for the first
 * hand-over). @internal
 */
export async function countHandOver(session: StompSession, fragmentDestination: string, ttl: number, queueHeaders: SendHeaders): Promise<number> {
  const destination = attemptsDestination(fragmentDestination);
  const seen: StompMessage[] = [];
  const sub = session.subscribe(destination, (m) => seen.push(m), { ack: 'client-individual', prefetch: 16, headers: queueHeaders, resubscribe: false });
  try {
    await waitForCounts(seen);
    const count = seen.reduce((max, m) => Math.max(max, parseCount(m.body)), 0) + 1;
    for (const m of seen.slice()) await session.ack(m);
    // Unsubscribe before writing the new count, or it would come straight back to us (and
    // RabbitMQ would keep it with this connection).
    await sub.unsubscribe();
    const p = session.profile;
    await session.send(destination, String(count), { ...p.persistentHeaders, ...p.expiryHeaders(ttl, Date.now()), ...queueHeaders });
    return count;
  } finally {
    await sub.unsubscribe().catch(() => undefined);
  }
}

/**
 * Removes the stream's count once the stream is over for good (completed, drained or given up).
 * Left for its ttl it would pin a whole KahaDB journal file on ActiveMQ (the store filled up to
 * its 8 GB limit here after a day of kill suites, and the broker stopped every producer). @internal
 */
export async function clearHandOvers(session: StompSession, fragmentDestination: string, queueHeaders: SendHeaders): Promise<void> {
  const seen: StompMessage[] = [];
  const sub = session.subscribe(attemptsDestination(fragmentDestination), (m) => seen.push(m),
    { ack: 'client-individual', prefetch: 16, headers: queueHeaders, resubscribe: false });
  try {
    await waitForCounts(seen);
    for (const m of seen.slice()) await session.ack(m);
  } finally {
    await sub.unsubscribe().catch(() => undefined);
  }
}

async function waitForCounts(seen: StompMessage[]): Promise<void> {
  const deadline = Date.now() + READ_WINDOW_MS;
  while (seen.length === 0 && Date.now() < deadline) await sleep(10);
  if (seen.length > 0) await sleep(QUIET_MS);
}

/** A count body: a small non-negative integer; anything else counts as 0. */
function parseCount(body: Uint8Array): number {
  if (body.byteLength === 0 || body.byteLength > 12) return 0;
  const n = Number(new TextDecoder().decode(body));
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
