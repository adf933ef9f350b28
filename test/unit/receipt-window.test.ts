import { describe, expect, it } from 'vitest';
import { ReceiptWindow } from '../../src/stomp/receipt-window.js';

describe('ReceiptWindow', () => {
  it('holds senders while the window is full and lets them through in order', async () => {
    const w = new ReceiptWindow(2, 100, () => 0);
    const a = w.expect(0);
    const b = w.expect(0);
    expect(w.hasRoom()).toBe(false);
    const order: string[] = [];
    const p1 = w.wait().then(() => order.push('1'));
    const p2 = w.wait().then(() => order.push('2'));
    w.settle(a.id);
    await p1;
    expect(order).toEqual(['1']);
    w.expect(0); // the first waiter used its slot
    w.settle(b.id);
    await p2;
    expect(order).toEqual(['1', '2']);
    expect(w.maxSeen).toBe(2);
  });

  it('waits for the transport to drain below the high-water mark', async () => {
    let buffered = 500;
    const w = new ReceiptWindow(10, 100, () => buffered);
    let through = false;
    const p = w.wait().then(() => { through = true; });
    w.wake();
    await Promise.resolve();
    expect(through).toBe(false);
    buffered = 50;
    w.wake();
    await p;
    expect(through).toBe(true);
  });

  it('rejects every receipt and waiter on failure, and later calls at once', async () => {
    const w = new ReceiptWindow(1, 100, () => 0);
    const r = w.expect(0);
    const waiter = w.wait();
    const boom = new Error('lost');
    w.fail(boom);
    await expect(r.done).rejects.toBe(boom);
    await expect(waiter).rejects.toBe(boom);
    await expect(w.wait()).rejects.toBe(boom);
    await expect(w.expect(0).done).rejects.toBe(boom);
  });

  it('times out a receipt with ERR_TIMEOUT', async () => {
    const w = new ReceiptWindow(1, 100, () => 0);
    await expect(w.expect(20).done).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    expect(w.unreceipted).toBe(0);
  });

  it('rejects an aborted waiter with ERR_ABORTED carrying the reason', async () => {
    const w = new ReceiptWindow(1, 100, () => 0);
    w.expect(0);
    const ac = new AbortController();
    const p = w.wait(ac.signal);
    ac.abort('stop');
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: 'stop' });
  });
});

describe('ReceiptWindow.submit ordering', () => {
  it('transmits frames in submission order under any interleaving of receipts, drains and new sends', async () => {
    const fc = (await import('fast-check')).default;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom('send', 'send-noreceipt', 'receipt', 'fill', 'drain', 'tick'), { minLength: 1, maxLength: 80 }),
      async (ops) => {
        let buffered = 0;
        const w = new ReceiptWindow(3, 100, () => buffered);
        const sent: number[] = [];
        const ids: string[] = [];
        let n = 0;
        const all: Promise<unknown>[] = [];
        for (const op of ops) {
          if (op === 'send' || op === 'send-noreceipt') {
            const k = n++;
            const needs = op === 'send';
            all.push(w.submit(needs, () => { sent.push(k); if (needs) ids.push(w.expect(0).id); }).catch(() => undefined));
          } else if (op === 'receipt' && ids.length > 0) {
            w.settle(ids.shift() as string);
          } else if (op === 'fill') {
            buffered = 500;
          } else if (op === 'drain') {
            buffered = 0;
            w.wake();
          } else {
            await Promise.resolve();
          }
        }
        buffered = 0;
        while (ids.length > 0 || w.queued > 0) {
          w.wake();
          if (ids.length > 0) w.settle(ids.shift() as string);
        }
        await Promise.all(all);
        expect(sent).toEqual(Array.from({ length: n }, (_, i) => i));
      },
    ), { numRuns: 300 });
  });
});
