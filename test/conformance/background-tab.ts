/**
 * Heart-beats in a hidden Chromium tab. A page imports dist/browser.js, connects to RabbitMQ
 * Web-STOMP with the default heart-beats (10 s each way) and ticks a 1 s timer; a second tab is
 * then brought to the front, so the first is hidden and Chromium throttles its timers (to 1 s
 * at once, to once a minute after 5 minutes hidden: "intensive throttling"). After `minutes`
 * the page comes back and reports the longest timer gap it saw, how often the session
 * reconnected, and whether a stream still round-trips.
 *
 *   node --import tsx test/conformance/background-tab.ts [minutes]     (default 1; 7 shows intensive throttling)
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const minutes = Number(process.argv[2] ?? 1);
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-inline'; connect-src 'self' ws://127.0.0.1:*";

const PAGE = `<!doctype html><meta charset="utf-8"><title>background tab</title><script type="module">
import { connect } from '/dist/browser.js';
const s = await connect('ws://127.0.0.1:15674/ws', { login: 'guest', passcode: 'guest' });
const state = { maxGapMs: 0, ticks: 0, hiddenAt: 0, hiddenMs: 0 };
let last = performance.now();
setInterval(() => { const t = performance.now(); state.maxGapMs = Math.max(state.maxGapMs, t - last); last = t; state.ticks++; }, 1000);
document.addEventListener('visibilitychange', () => {
  if (document.hidden) { state.hiddenAt = performance.now(); state.maxGapMs = 0; }
  else state.hiddenMs = performance.now() - state.hiddenAt;
});
window.__report = async () => {
  const q = '/queue/bgtab.' + Date.now();
  const receiving = s.receive(q);
  await s.send(q, new Uint8Array(100000).fill(5));
  const incoming = await receiving;
  let bytes = 0;
  await incoming.readable.pipeTo(new WritableStream({ write(c) { bytes += c.byteLength; } }));
  return { ...state, reconnects: s.stomp.stats().reconnects, roundTrip: bytes === 100000 };
};
window.__ready = true;
</script>`;

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': CSP }).end(PAGE);
  if (path === '/dist/browser.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile('dist/browser.js'));
  res.writeHead(404).end();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as { port: number }).port;
const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => (window as { __ready?: boolean }).__ready === true, undefined, { timeout: 30_000 });
  const other = await context.newPage();
  await other.goto('about:blank');
  await other.bringToFront();
  const hidden = await page.evaluate(() => document.visibilityState);
  // Headless Chromium keeps a tab in the background 'visible'. Where that happens, freeze the
  // page instead (what Chromium does to background tabs it suspends): no timer runs at all.
  const cdp = hidden === 'visible' ? await context.newCDPSession(page) : undefined;
  await cdp?.send('Page.setWebLifecycleState', { state: 'frozen' });
  console.log(`background-tab: page is ${hidden}${cdp ? ', so frozen instead' : ''}; waiting ${minutes} min`);
  await new Promise((r) => setTimeout(r, minutes * 60_000));
  await cdp?.send('Page.setWebLifecycleState', { state: 'active' });
  await page.bringToFront();
  await new Promise((r) => setTimeout(r, 3000)); // let a lost connection be noticed and renewed
  const r = await page.evaluate(() => (window as unknown as { __report: () => Promise<Record<string, unknown>> }).__report());
  console.log(`background-tab: hidden ${((r['hiddenMs'] as number) / 1000).toFixed(0)} s, longest timer gap ${((r['maxGapMs'] as number) / 1000).toFixed(1)} s, `
    + `reconnects ${r['reconnects']}, stream round trip afterwards ${r['roundTrip'] ? 'ok' : 'FAILED'}`);
} finally {
  await browser.close();
  server.close();
}
