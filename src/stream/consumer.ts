/**
 * The consumer: takes streams one at a time from an announcement destination.
 *
 * Design: the announcement subscription has prefetch 1 and client acknowledgement, and the
 * announcement of the stream being read is acknowledged only when this consumer is done with
 * that stream. So the broker never hands a consumer a second stream while it reads one, and if
 * the consumer dies its announcement goes to the next consumer (which resumes from the first
 * unacknowledged fragment). Many producers and any number of consumers share the destination.
 * @module
 */
import { ConnectionError, ErrorCode, IntegrityError, InvalidOptionError, StompStreamsError, abortError } from '../errors.js';
import { deleteQueue, queueNameOf, type ResolvedManagement } from '../stomp/rabbitmq-management.js';
import type { StompMessage, StompSession, Subscription } from '../stomp/session-types.js';
import { decodeAnnouncement, type Announcement } from './fragment-codec.js';
import { clearHandOvers, countHandOver } from './attempt-counter.js';
import { IncomingStream } from './incoming-stream.js';
import { ContentDigest, FragmentHasher } from './stream-hash.js';
import type { ResolvedConsumeOptions } from './stream-options.js';

/**
 * Something the consumer skipped, reported through `onSkip`.
 *
 * @example
 * ```ts
 * const session = await connect(url, { onSkip: ({ error }) => console.warn(error.code, error.message) });
 * ```
 */
export interface SkippedAnnouncement {
  /** Why it was skipped. */
  error: StompStreamsError;
  /** The raw announcement message headers. */
  headers: Readonly<Record<string, string>>;
}

/** @internal */
export interface ConsumerTarget {
  session: StompSession;
  destination: string;
  fragmentDestination: (destination: string, id: string) => string;
  onSkip: ((skipped: SkippedAnnouncement) => void) | undefined;
  management: ResolvedManagement | undefined;
  onWarning: ((warning: StompStreamsError) => void) | undefined;
}

/** Async iterator of incoming streams. Created by `StreamSession.streams()`. @internal */
export class StreamConsumer implements AsyncIterableIterator<IncomingStream> {
  #t: ConsumerTarget;
  #o: ResolvedConsumeOptions;
  #sub: Subscription;
  #pending: StompMessage[] = [];
  #waiter: (() => void) | undefined;
  #current: IncomingStream | undefined;
  #closedError: Error | undefined;
  #stopped = false;
  #hashers = new Map<string, Promise<FragmentHasher>>();
  /** Streams whose reading a lost connection cut short (the broker hands them out again). */
  #interrupted = new Set<string>();
  /** Most streams this consumer had open at once (tests assert it stays 1). */
  maxOpen = 0;
  #open = 0;

  constructor(target: ConsumerTarget, options: ResolvedConsumeOptions) {
    if (options.onRedelivery === 'restart') checkRestart(target);
    this.#t = target;
    this.#o = options;
    this.#sub = target.session.subscribe(target.destination, (m) => this.#onAnnouncement(m), {
      ack: 'client-individual',
      prefetch: 1,
      // After a reconnect, announcements taken on the old connection are back on the broker
      // and will be delivered again: forget the copies we hold.
      onResubscribe: () => { this.#pending = []; },
    });
    void this.#sub.closed.then((err) => this.#onClosed(err));
    options.signal?.addEventListener('abort', () => void this.return(), { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<IncomingStream>> {
    if (this.#current) await this.#current.release(true); // asking for the next stream finishes this one
    this.#current = undefined;
    for (;;) {
      const msg = await this.#nextAnnouncement();
      if (!msg) return { value: undefined, done: true };
      const incoming = await this.#openStream(msg);
      if (incoming) return { value: incoming, done: false };
    }
  }

  async return(): Promise<IteratorResult<IncomingStream>> {
    // Leaving the loop: a stream whose end was not committed (manual commit) goes back.
    await this.#stop(() => this.#current?.release(false));
    return { value: undefined, done: true };
  }

  /**
   * Takes no further stream, and ends the subscription once the application has finished the
   * current one by itself (`receive()`: a manual-commit stream waits for its end commit). @internal
   */
  async stopAfterCurrent(): Promise<void> {
    await this.#stop(() => this.#current?.finished);
  }

  async #stop(letGo: () => Promise<void> | undefined): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#waiter?.();
    await letGo();
    await this.#sub.unsubscribe().catch(() => undefined);
    this.#releasePending();
  }

  #onAnnouncement(msg: StompMessage): void {
    this.#pending.push(msg);
    this.#waiter?.();
  }

  #onClosed(err: Error | undefined): void {
    this.#closedError = err;
    this.#stopped = true;
    this.#waiter?.();
  }

  async #nextAnnouncement(): Promise<StompMessage | undefined> {
    for (;;) {
      if (this.#closedError) throw this.#closedError;
      if (this.#o.signal?.aborted) throw abortError(this.#o.signal, 'streams');
      if (this.#stopped) return undefined;
      const msg = this.#pending.shift();
      if (msg) return msg;
      await new Promise<void>((resolve) => { this.#waiter = resolve; });
      this.#waiter = undefined;
    }
  }

  async #openStream(msg: StompMessage): Promise<IncomingStream | undefined> {
    let a: Announcement;
    try {
      a = this.#validate(msg);
    } catch (err) {
      await this.#skip(msg, err as StompStreamsError);
      return undefined;
    }
    const hasher = await this.#hasher(a.hash);
    const digest = this.#o.digest ? await ContentDigest.create() : undefined;
    // A broker restart may deliver an interrupted stream's announcement again without the
    // redelivered flag (ActiveMQ does not persist it): we know better.
    const redelivered = msg.redelivered || this.#interrupted.delete(a.id);
    const counted = { yes: false };
    const incoming = new IncomingStream(this.#t.session, msg, a, hasher, this.#o, digest, redelivered, this.#cleanupOf(a, counted));
    this.#track(incoming);
    // Subscribe to the fragments first, count the hand-over beside it: delaying the fragment
    // subscription (the counter may wait up to 0.85 s) made ActiveMQ hand out fragments past a
    // gap under concurrent consumer kills (see docs/recovery.md, poison streams).
    const counting = redelivered && this.#o.onRedelivery === 'resume' && this.#o.maxRedeliveries > 0
      ? countHandOver(this.#t.session, a.fragments, a.ttl, a.queueHeaders).catch(() => 0) : Promise.resolve(0);
    await incoming.open(this.#o.window);
    const handOvers = await counting;
    counted.yes = handOvers > 0;
    if (handOvers > this.#o.maxRedeliveries) {
      incoming.giveUp(new StompStreamsError(ErrorCode.RedeliveryLimit,
        `stream ${a.id} was handed over ${handOvers} times (maxRedeliveries ${this.#o.maxRedeliveries}): given up as poison, the rest is drained`));
    } else if (redelivered && this.#o.onRedelivery === 'restart' && !a.retained) {
      incoming.giveUp(new StompStreamsError(ErrorCode.Unsupported,
        `stream ${a.id} cannot be restarted: its fragments were not retained (the producer must send with retain: true); the rest is drained`));
    }
    if (redelivered && this.#o.onRedelivery === 'discard') {
      await incoming.readable.cancel(new StompStreamsError(ErrorCode.Aborted, 'discarded: its previous consumer failed (onRedelivery: discard)'));
      this.#o.onDiscard?.(incoming.info);
      await incoming.finished;
      return undefined;
    }
    this.#current = incoming;
    return incoming;
  }

  /**
   * What the consumer that finishes a stream for good removes from the broker: a retained
   * stream's queue (it never expires), and the stream's hand-over count if it was counted.
   */
  #cleanupOf(a: Announcement, counted: { yes: boolean }): () => Promise<void> {
    const dropQueue = a.retained ? this.#retainedCleanup(a) : undefined;
    return async () => {
      await dropQueue?.();
      if (counted.yes) await clearHandOvers(this.#t.session, a.fragments, a.queueHeaders).catch(() => undefined);
    };
  }

  #retainedCleanup(a: Announcement): () => Promise<void> {
    const { management, onWarning } = this.#t;
    const queue = queueNameOf(a.fragments);
    return async () => {
      try {
        if (!management || !queue) throw new StompStreamsError(ErrorCode.Unsupported, 'no management option: cannot delete it');
        await deleteQueue(management, queue);
      } catch (err) {
        onWarning?.(new StompStreamsError((err as StompStreamsError).code ?? ErrorCode.Broker,
          `retained stream ${a.id}: its queue ${a.fragments} is left on the broker (${(err as Error).message})`, { cause: err }));
      }
    };
  }

  #validate(msg: StompMessage): Announcement {
    const a = decodeAnnouncement(msg.headers, msg.body);
    const expected = this.#t.fragmentDestination(this.#t.destination, a.id);
    if (a.fragments !== expected) {
      throw new IntegrityError(ErrorCode.Protocol, `announcement points at ${JSON.stringify(a.fragments.slice(0, 200))}, expected ${JSON.stringify(expected)}: refusing to read a foreign destination`, 0);
    }
    return a;
  }

  async #skip(msg: StompMessage, error: StompStreamsError): Promise<void> {
    await this.#t.session.ack(msg).catch(() => undefined);
    this.#t.onSkip?.({ error, headers: msg.headers });
  }

  #track(incoming: IncomingStream): void {
    this.#open++;
    this.maxOpen = Math.max(this.maxOpen, this.#open);
    void incoming.finished.then(() => { this.#open--; });
    incoming.result.catch((err: unknown) => {
      if (err instanceof ConnectionError && err.code === ErrorCode.ConnectionLost) this.#remember(incoming.info.id);
    });
  }

  #remember(id: string): void {
    this.#interrupted.add(id);
    if (this.#interrupted.size > 64) this.#interrupted.delete(this.#interrupted.values().next().value as string);
  }

  #hasher(name: Announcement['hash']): Promise<FragmentHasher> {
    let h = this.#hashers.get(name);
    if (!h) this.#hashers.set(name, (h = FragmentHasher.create(name)));
    return h;
  }

  /**
   * Announcements delivered but not taken. ActiveMQ gives them to another consumer when we
   * unsubscribe. RabbitMQ keeps them with this connection until it closes (it refuses a NACK
   * after UNSUBSCRIBE, and a NACK before it would hand them straight back to us): so they are
   * only forgotten here; see docs/brokers.md.
   */
  #releasePending(): void {
    this.#pending.splice(0);
  }
}

/** `restart` needs fragments the broker keeps after acknowledgement, and a way to delete them. */
function checkRestart(target: ConsumerTarget): void {
  const broker = target.session.profile;
  if (!broker.retainsFragments) {
    throw new StompStreamsError(ErrorCode.Unsupported,
      `onRedelivery: 'restart' is not supported on ${broker.name}: it needs fragments the broker retains after they are acknowledged. `
      + 'ActiveMQ cannot (transacted acknowledgements hold the stream on its heap and stall at ~300 MiB); RabbitMQ can, with stream queues. '
      + "Use 'resume' (continue where the failed consumer stopped) or 'discard'.");
  }
  if (!target.management) {
    throw new InvalidOptionError('management', "onRedelivery: 'restart' reads retained streams from RabbitMQ stream queues, which never expire; "
      + 'the consumer that finishes one deletes it through the management API: pass connect(url, { management: { url } })');
  }
}
