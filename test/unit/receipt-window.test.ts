import { describe, expect, it } from 'vitest';
import { ReceiptWindow } from '../../src/stomp/receipt-window.js';

describe('ReceiptWindow', () => {
  it('queues frames while the window is full and sends them in order as receipts arrive', async () => {
    const w = new ReceiptWindow(2, 100, () => 0);
    const sent: string[] = [];
    const send = (name: string) => w.submit(true, () => { sent.push(name); return w.expect(0); });
    const a = await send('a');
    const b = await send('b');
    const c = send('c');
    const d = send('d');
    expect(sent).toEqual(['a', 'b']);
    expect(w.queued).toBe(2);
    w.settle(a.id);
    expect(sent).toEqual(['a', 'b', 'c']);
    w.settle(b.id);
    expect(sent).toEqual(['a', 'b', 'c', 'd']);
    await Promise.all([c, d]);
    expect(w.maxSeen).toBe(2);
  });

  it('ready-style waiters resolve once there is room', async () => {
    const w = new ReceiptWindow(1, 100, () => 0);
    const r = w.expect(0);
    let ready = false;
    const p = w.wait().then(() => { ready = true; });
    await Promise.resolve();
    expect(ready).toBe(false);
    w.settle(r.id);
    await p;
    expect(ready).toBe(true);
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

  it('rejects every receipt, waiter and queued frame on failure, and later calls at once', async () => {
    const w = new ReceiptWindow(1, 100, () => 0);
    const r = w.expect(0);
    const waiter = w.wait();
    const queued = w.submit(true, () => 'never');
    const boom = new Error('lost');
    w.fail(boom);
    await expect(r.done).rejects.toBe(boom);
    await expect(waiter).rejects.toBe(boom);
    await expect(queued).rejects.toBe(boom);
    await expect(w.wait()).rejects.toBe(boom);
    await expect(w.expect(0).done).rejects.toBe(boom);
  });

  it('times out a receipt with ERR_TIMEOUT', async () => {
    const w = new ReceiptWindow(1, 100, () => 0);
    await expect(w.expect(20).done).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    expect(w.unreceipted).toBe(0);
  });

  it('rejects an aborted queued frame with ERR_ABORTED carrying the reason, and never sends it', async () => {
    const w = new ReceiptWindow(1, 100, () => 0);
    const first = w.expect(0);
    const ac = new AbortController();
    let ran = false;
    const p = w.submit(true, () => { ran = true; }, ac.signal);
    ac.abort('stop');
    await expect(p).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: 'stop' });
    w.settle(first.id);
    expect(ran).toBe(false);
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
