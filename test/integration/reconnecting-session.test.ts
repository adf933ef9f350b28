/**
 * The reconnecting session against the real brokers, behind a loopback proxy that can cut,
 * refuse or freeze connections (how a crash, a restart or a dead network looks to a client).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionError, openStompSession, type StompMessage, type StompSession } from '../../src/index.js';
import { endpoints, uniqueQueue } from '../support/endpoints.js';
import { startFreezeProxy, type FreezeProxy } from '../support/freeze-proxy.js';

const fast = { initialDelay: 50, maxDelay: 200, jitter: 0 };

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(endpoints.filter((e) => e.transport === 'tcp'))('reconnecting session over $name', (ep) => {
  let proxy: FreezeProxy;
  let s: StompSession;
  let direct: StompSession;
  beforeEach(async () => {
    proxy = await startFreezeProxy(Number(new URL(ep.url).port));
    s = await openStompSession(`tcp://127.0.0.1:${proxy.port}`, { ...ep.options, reconnect: { ...fast, timeout: 10_000 } });
    direct = await openStompSession(ep.url, ep.options);
  });
  afterEach(async () => {
    s.destroy();
    await direct.disconnect();
    await proxy.close();
  });

  it('sends cut off before their receipt go out again on the new connection, in order', async () => {
    const q = uniqueQueue('reconnect-send');
    const sends = Array.from({ length: 40 }, (_, i) => s.send(q, `m${i}`, { persistent: 'true' }));
    proxy.cut();
    await Promise.all(sends);
    expect(s.stats().reconnects).toBe(1);
    const got: string[] = [];
    direct.subscribe(q, (m) => { got.push(new TextDecoder().decode(m.body)); void direct.ack(m); }, { prefetch: 100 });
    await until(() => new Set(got).size === 40);
    await new Promise((r) => setTimeout(r, 300));
    // At least once: a message stored before the cut may come twice, but every one is there,
    // and the first copies are in submission order.
    const firsts = got.filter((m, i) => got.indexOf(m) === i);
    expect(firsts).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`));
  });

  it('renews subscriptions; acknowledging a message from the old connection does nothing', async () => {
    const q = uniqueQueue('reconnect-sub');
    const got: StompMessage[] = [];
    let renewed = 0;
    s.subscribe(q, (m) => got.push(m), { prefetch: 10, onResubscribe: () => { renewed++; } });
    await direct.send(q, 'before', { persistent: 'true' });
    await until(() => got.length === 1);
    proxy.cut(); // 'before' is not acknowledged: the broker takes it back and delivers it again
    await until(() => renewed === 1);
    await s.ack(got[0]!); // stale: must not reach the new connection (it would be an unknown ack id)
    await direct.send(q, 'after', { persistent: 'true' });
    await until(() => got.length >= 3);
    const bodies = got.slice(1).map((m) => new TextDecoder().decode(m.body)).sort();
    expect(bodies).toEqual(['after', 'before']);
    for (const m of got.slice(1)) await s.ack(m, { receipt: true });
    expect(got.find((m, i) => i > 0 && new TextDecoder().decode(m.body) === 'before')?.redelivered).toBe(true);
    expect(got[1]!.subscription.id).toBe(got[0]!.subscription.id);
  });

  it('ends a subscription made with resubscribe: false with a ConnectionError', async () => {
    const sub = s.subscribe(uniqueQueue('reconnect-nosub'), () => undefined, { resubscribe: false });
    proxy.cut();
    const err = await sub.closed;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ code: 'ERR_CONNECTION_LOST' });
  });

  it('reconnects after a heart-beat timeout (a frozen peer)', async () => {
    const hb = await openStompSession(`tcp://127.0.0.1:${proxy.port}`, { ...ep.options, heartbeat: { outgoing: 500, incoming: 500 }, reconnect: fast });
    try {
      proxy.freeze();
      await new Promise((r) => setTimeout(r, 2500));
      proxy.cut();
      proxy.thaw();
      await until(() => hb.stats().reconnects >= 1);
      await hb.send(uniqueQueue('reconnect-hb'), 'alive');
    } finally {
      hb.destroy();
    }
  });

  it('transactions do not survive a reconnect', async () => {
    const q = uniqueQueue('reconnect-tx');
    const tx = await s.begin();
    await s.send(q, 'x', {}, { transaction: tx.id, receipt: false });
    proxy.cut();
    await until(() => s.stats().reconnects === 1);
    await expect(tx.commit()).rejects.toMatchObject({ code: 'ERR_CONNECTION_LOST' });
    await s.send(q, 'still works');
  });

  it('gives up after reconnect.timeout: pending sends reject and closed reports the loss', async () => {
    const short = await openStompSession(`tcp://127.0.0.1:${proxy.port}`, { ...ep.options, reconnect: { ...fast, timeout: 1000 } });
    proxy.refuse();
    proxy.cut();
    const pending = short.send(uniqueQueue('reconnect-giveup'), 'never');
    const t0 = Date.now();
    const err = await short.closed;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'ERR_CONNECTION_LOST' });
    expect((err as Error).message).toMatch(/not re-established within 1000 ms/);
    await expect(pending).rejects.toBeInstanceOf(ConnectionError);
  });

  it('disconnect() while reconnecting ends the session at once and rejects waiting sends', async () => {
    proxy.refuse();
    proxy.cut();
    const pending = s.send(uniqueQueue('reconnect-disc'), 'never');
    await new Promise((r) => setTimeout(r, 100));
    await s.disconnect();
    expect(await s.closed).toBeUndefined();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_SESSION_CLOSED' });
  });
});
