/**
 * STOMP heart-beats: negotiation and the two timers.
 *
 * The client offers `heart-beat: cx,cy` (can send every cx ms, wants to receive every cy ms);
 * the broker answers `sx,sy`. We send every `max(cx, sy)` ms and expect something every
 * `max(cy, sx)` ms. Any byte counts as a sign of life in both directions. The peer is declared
 * dead once nothing arrived for 1.5 × the incoming interval, checked every quarter interval,
 * so a dead peer is detected within 2 × the negotiated interval.
 * @module
 */

/** Negotiated heart-beat intervals (0 = off). @internal */
export interface HeartbeatIntervals {
  outgoing: number;
  incoming: number;
}

/**
 * Negotiates intervals from our offer and the CONNECTED `heart-beat` header.
 *
 * @example
 * ```ts
 * negotiateHeartbeat(10000, 10000, '5000,20000'); // { outgoing: 20000, incoming: 10000 }
 * ```
 * @internal
 */
export function negotiateHeartbeat(clientOut: number, clientIn: number, header: string | undefined): HeartbeatIntervals {
  const [sx, sy] = (header ?? '0,0').split(',').map((s) => Number.parseInt(s.trim(), 10));
  const serverOut = Number.isFinite(sx) ? (sx as number) : 0;
  const serverIn = Number.isFinite(sy) ? (sy as number) : 0;
  return {
    outgoing: clientOut > 0 && serverIn > 0 ? Math.max(clientOut, serverIn) : 0,
    incoming: clientIn > 0 && serverOut > 0 ? Math.max(clientIn, serverOut) : 0,
  };
}

/** Runs the two heart-beat timers. @internal */
export class Heartbeat {
  #lastSent = Date.now();
  #lastReceived = Date.now();
  #timers: ReturnType<typeof setInterval>[] = [];

  /**
   * @param intervals negotiated intervals
   * @param beat sends one heart-beat EOL
   * @param dead called once when the peer is silent too long
   */
  constructor(intervals: HeartbeatIntervals, beat: () => void, dead: (silentMs: number) => void) {
    if (intervals.outgoing > 0) {
      this.#every(intervals.outgoing / 2, () => {
        if (Date.now() - this.#lastSent >= intervals.outgoing / 2) beat();
      });
    }
    if (intervals.incoming > 0) {
      this.#every(intervals.incoming / 4, () => {
        const silent = Date.now() - this.#lastReceived;
        if (silent > intervals.incoming * 1.5) dead(silent);
      });
    }
  }

  /** Record outgoing traffic. */
  sent(): void {
    this.#lastSent = Date.now();
  }

  /** Record incoming traffic. */
  received(): void {
    this.#lastReceived = Date.now();
  }

  /** Stop both timers. */
  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, Math.max(1, Math.floor(ms)));
    (t as { unref?: () => void }).unref?.();
    this.#timers.push(t);
  }
}
