/**
 * Consumer death: the next consumer resumes where the dead one stopped (in-process; the
 * kill -9 suite with real processes is separate).
 */
import { describe, expect, it } from 'vitest';
import { connect, type IncomingStream, type StreamInfo, type StreamSession } from '../../src/index.js';
import { collect, endpoints, firstDifference, randomBytes, uniqueQueue } from '../support/endpoints.js';
import { activemqBrowse, rabbitQueues } from '../support/leftovers.js';
import { attemptsDestination } from '../../src/stream/attempt-counter.js';

describe.each(endpoints.filter((e) => e.transport === 'tcp'))('consumer death over $name', (ep) => {
  it('resume: the next consumer continues at the first unacknowledged fragment and the whole-stream check passes', async () => {
    const q = uniqueQueue('resume');
    const data = randomBytes(40 * 16 * 1024, 11);
    const producer = await connect(ep.url, ep.options);
    const first = await connect(ep.url, ep.options);
    const second = await connect(ep.url, ep.options);
    try {
      await producer.send(q, data, { chunkSize: 16 * 1024, delivery: 'complete', name: 'resumable' });
      const dying: IncomingStream = await first.receive(q, { window: 4 });
      const reader = dying.readable.getReader();
      let got = 0;
      for (let i = 0; i < 15; i++) got += (await reader.read()).value!.byteLength;
      // Read one more so the 15 fragments read so far count as finished (acknowledged).
      await reader.read();
      await new Promise((r) => setTimeout(r, 300)); // let the ACKs reach the broker
      first.stomp.destroy(); // the consumer dies: no DISCONNECT, no more ACKs
      const next = await second.receive(q, { window: 4 });
      expect(next.info.redelivered).toBe(true);
      expect(next.info.offset).toBe(15 * 16 * 1024);
      expect(next.info.offset).toBeLessThanOrEqual(got + 16 * 1024);
      const rest = await collect(next.readable);
      expect(firstDifference(rest, data.subarray(next.info.offset))).toBe(-1);
      const result = await next.result;
      expect(result).toMatchObject({ length: data.length, offset: next.info.offset, bytes: data.length - next.info.offset });
    } finally {
      await producer.close();
      await second.close();
    }
  });

  /** Sends `data` as one stream, lets a first consumer read `fragments` of it, then kills that consumer. */
  async function dieAfter(q: string, data: Uint8Array, fragments: number, opts: { commitFragments?: number } = {}): Promise<void> {
    const producer = await connect(ep.url, ep.options);
    const first = await connect(ep.url, ep.options);
    try {
      await producer.send(q, data, { chunkSize: 16 * 1024, delivery: 'complete', name: 'victim' });
      const manual = opts.commitFragments !== undefined;
      const dying = await first.receive(q, { window: 4, commit: manual ? 'manual' : 'auto' });
      const reader = dying.readable.getReader();
      for (let i = 0; i <= fragments; i++) {
        await reader.read();
        // Manual: commit as the "sink" stores each fragment, up to commitFragments; then read on uncommitted.
        if (manual && i < (opts.commitFragments as number)) dying.commit((i + 1) * 16 * 1024);
      }
      await new Promise((r) => setTimeout(r, 300));
      first.stomp.destroy();
    } finally {
      await producer.close();
    }
  }

  it('resume: the consumer that finishes a taken-over stream removes its hand-over count from the broker', async () => {
    const q = uniqueQueue('count-cleanup');
    const data = randomBytes(30 * 16 * 1024, 12);
    await dieAfter(q, data, 5);
    const second = await connect(ep.url, ep.options);
    try {
      const next = await second.receive(q, { window: 4 });
      expect(next.info.redelivered).toBe(true);
      const counts = attemptsDestination(next.info.fragmentDestination);
      const held = () => ep.broker === 'activemq'
        ? activemqBrowse(ep.url, counts, 1500)
        : rabbitQueues(counts.replace('/queue/', '')).then((m) => m.get(counts.replace('/queue/', '')) ?? 0);
      expect(await held()).toBe(1); // the count this consumer wrote when it took the stream over
      expect(firstDifference(await collect(next.readable), data.subarray(next.info.offset))).toBe(-1);
      await next.finished;
      expect(await held()).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('discard: the next consumer drains the failed stream, reports it and moves on', async () => {
    const q = uniqueQueue('discard');
    await dieAfter(q, randomBytes(30 * 16 * 1024, 3), 5);
    const helper = await connect(ep.url, ep.options);
    await helper.send(q, randomBytes(5000, 4), { name: 'next', delivery: 'complete' });
    await helper.close();
    const discarded: StreamInfo[] = [];
    const second: StreamSession = await connect(ep.url, ep.options);
    try {
      const next = await second.receive(q, { onRedelivery: 'discard', onDiscard: (info) => discarded.push(info) });
      expect(next.info.name).toBe('next');
      expect((await collect(next.readable)).length).toBe(5000);
      expect(discarded.map((d) => [d.name, d.redelivered])).toEqual([['victim', true]]);
    } finally {
      await second.close();
    }
  });

  it('manual commit: a consumer that dies resumes at its last commit, not at what it read', async () => {
    const q = uniqueQueue('commit');
    const data = randomBytes(30 * 16 * 1024, 5);
    // Reads 11 fragments, commits the first 8: at most window − 1 = 3 may stay uncommitted.
    await dieAfter(q, data, 10, { commitFragments: 8 });
    const second = await connect(ep.url, ep.options);
    try {
      const next = await second.receive(q);
      expect(next.info.offset).toBe(8 * 16 * 1024);
      expect(firstDifference(await collect(next.readable), data.subarray(8 * 16 * 1024))).toBe(-1);
    } finally {
      await second.close();
    }
  });

  it('manual commit: the end counts only once committed after the readable closed; dying before that hands the stream over', async () => {
    const q = uniqueQueue('commit-end');
    const data = randomBytes(6 * 16 * 1024 + 5, 9);
    const producer = await connect(ep.url, ep.options);
    const first = await connect(ep.url, ep.options);
    const second = await connect(ep.url, ep.options);
    try {
      await producer.send(q, data, { chunkSize: 16 * 1024, delivery: 'complete', name: 'all-read' });
      const dying = await first.receive(q, { window: 4, commit: 'manual' });
      let pos = 0;
      await dying.readable.pipeTo(new WritableStream({ write(chunk) { pos += chunk.byteLength; dying.commit(pos); } }));
      expect((await dying.result).length).toBe(data.length); // read, verified, every byte committed...
      await new Promise((r) => setTimeout(r, 300));
      first.stomp.destroy(); // ...but it dies before committing the end (renaming its file, say)
      const next = await second.receive(q, { window: 4, commit: 'manual' });
      expect(next.info).toMatchObject({ redelivered: true, offset: data.length });
      expect((await collect(next.readable)).length).toBe(0);
      next.commit((await next.result).length);
      await next.finished;
      const again = await second.receive(q, { signal: AbortSignal.timeout(1500) }).then(() => undefined, (e: unknown) => e);
      expect(again).toMatchObject({ code: 'ERR_ABORTED' }); // finished for good: nothing comes back
    } finally {
      await producer.close();
      await second.close();
    }
  });

  it('manual commit: next() finishes the previous stream, leaving the loop without the end commit hands it back', async () => {
    const q = uniqueQueue('commit-loop');
    const producer = await connect(ep.url, ep.options);
    const first = await connect(ep.url, ep.options);
    const second = await connect(ep.url, ep.options);
    try {
      for (const name of ['a', 'b']) await producer.send(q, randomBytes(40_000, 10), { name, chunkSize: 16 * 1024, delivery: 'complete' });
      const names: string[] = [];
      for await (const s of first.streams(q, { commit: 'manual' })) {
        names.push(s.info.name);
        await collect(s.readable); // never commits: 'a' is finished by next(), 'b' goes back on break
        if (names.length === 2) break;
      }
      expect(names).toEqual(['a', 'b']);
      await first.close(); // RabbitMQ hands back what a connection held only when it closes
      const b = await second.receive(q, { commit: 'manual' });
      expect(b.info).toMatchObject({ name: 'b', redelivered: true, offset: 0 });
      expect((await collect(b.readable)).length).toBe(40_000);
      b.commit((await b.result).length);
      await b.finished;
      const again = await second.receive(q, { signal: AbortSignal.timeout(1500) }).then(() => undefined, (e: unknown) => e);
      expect(again).toMatchObject({ code: 'ERR_ABORTED' }); // 'a' and 'b' are finished for good
    } finally {
      await producer.close();
      await second.close();
    }
  });

  it('poison: after maxRedeliveries hand-overs the stream fails with ERR_REDELIVERY_LIMIT, is drained, and the consumer moves on', async () => {
    const q = uniqueQueue('poison');
    const maxRedeliveries = 2;
    await dieAfter(q, randomBytes(30 * 16 * 1024, 6), 2); // consumer 1 (first delivery) dies
    const offsets: number[] = [];
    for (let i = 0; i < maxRedeliveries; i++) { // consumers 2 and 3 take it over and die too
      const c = await connect(ep.url, ep.options);
      const s = await c.receive(q, { window: 4, maxRedeliveries });
      offsets.push(s.info.offset);
      const reader = s.readable.getReader();
      for (let k = 0; k < 3; k++) await reader.read();
      await new Promise((r) => setTimeout(r, 300));
      c.stomp.destroy();
    }
    const helper = await connect(ep.url, ep.options);
    await helper.send(q, randomBytes(5000, 7), { name: 'after-poison', delivery: 'complete' });
    await helper.close();
    const last = await connect(ep.url, ep.options);
    try {
      const it = last.streams(q, { window: 4, maxRedeliveries });
      const poisoned = (await it.next()).value as IncomingStream;
      expect(poisoned.info).toMatchObject({ name: 'victim', redelivered: true });
      const err = await collect(poisoned.readable).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_REDELIVERY_LIMIT' });
      const next = (await it.next()).value as IncomingStream;
      expect(next.info.name).toBe('after-poison');
      expect((await collect(next.readable)).length).toBe(5000);
      await it.return?.();
      expect(offsets[1]).toBeGreaterThan(offsets[0] as number); // each hand-over did resume further on
    } finally {
      await last.close();
    }
  });

  it('complete delivery: a producer that dies mid-write is never seen by consumers', async () => {
    const q = uniqueQueue('dead-complete');
    const producer = await connect(ep.url, ep.options);
    const w = producer.writable(q, { delivery: 'complete', chunkSize: 16 * 1024, name: 'half' });
    const writer = w.getWriter();
    await writer.write(randomBytes(10 * 16 * 1024, 8));
    producer.stomp.destroy(); // dies before close(): no end marker, no announcement
    await writer.close().catch(() => undefined);
    await expect(w.receipt).rejects.toBeDefined();
    const consumer = await connect(ep.url, ep.options);
    try {
      const err = await consumer.receive(q, { signal: AbortSignal.timeout(1500) }).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_ABORTED' });
    } finally {
      await consumer.close();
    }
  });
});
