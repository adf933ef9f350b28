/**
 * End-to-end test of the demo page (demo/), driven in Debian's Chromium by playwright-core:
 * 1. the page sends a 50 MiB file; the Node CLI `receive` writes it, byte-exact;
 * 2. the CLI `send`s a 50 MiB file; the page's receiver shows the same SHA-256.
 * Screenshots mid-transfer and at the end go to test-output/demo/.
 * Prints `conformance demo: N passed, M failed`.
 *
 *   node --import tsx test/demo/demo-page.ts      (after npm run build)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
// @ts-expect-error -- plain ESM helper without types
import { startDemoServer } from '../../demo/server.mjs';
import { randomBytes } from '../support/endpoints.js';

const SIZE = 50 * 1024 * 1024;
const shots = 'test-output/demo';
const env = { ...process.env, STOMP_STREAMS_LOGIN: 'guest', STOMP_STREAMS_PASSCODE: 'guest' };
let passed = 0;
let failed = 0;
const report = (ok: boolean, line: string) => { if (ok) passed++; else failed++; console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`); };

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = spawn(process.execPath, ['dist/cli.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, out })));
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Waits until `progressSelector`'s bar is between 15 % and 85 %, then screenshots; gives up quietly if it was too fast. */
async function midShot(page: Page, progressSelector: string, file: string): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const frac = await page.evaluate((sel) => {
      const p = document.querySelector(sel) as HTMLProgressElement | null;
      return p && p.max > 0 ? p.value / p.max : 0;
    }, progressSelector);
    if (frac >= 0.15 && frac <= 0.85) { await page.screenshot({ path: join(shots, file) }); return true; }
    if (frac > 0.85) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function pageSendsCliReceives(page: Page, dir: string): Promise<void> {
  const data = randomBytes(SIZE, 501);
  const file = join(dir, 'from-the-page.bin');
  await writeFile(file, data);
  const q = `/queue/demo.e2e.up.${Date.now()}`;
  const out = join(dir, 'cli-inbox');
  await page.fill('#destination', q);
  const receiving = cli(['receive', '--url', 'tcp://127.0.0.1:61623', '--from', q, '--out', out, '--count', '1']);
  await page.setInputFiles('#file', file);
  if (!(await midShot(page, '#send-progress', 'send-mid.png'))) console.log('note: the send was too fast for a mid-transfer screenshot');
  await page.waitForSelector('#send-result.ok', { timeout: 120_000 });
  await page.screenshot({ path: join(shots, 'send-end.png') });
  const r = await receiving;
  const got = await readFile(join(out, (await readdir(out)).find((n) => !n.startsWith('.')) ?? 'missing')).catch(() => new Uint8Array(0));
  report(r.code === 0 && got.length === SIZE && sha256(got) === sha256(data), `page → CLI: 50 MiB written byte-exact by stomp-streams receive (exit ${r.code}, ${got.length} bytes)`);
}

async function cliSendsPageReceives(page: Page, dir: string): Promise<void> {
  const data = randomBytes(SIZE, 502);
  const file = join(dir, 'from-the-cli.bin');
  await writeFile(file, data);
  const q = `/queue/demo.e2e.down.${Date.now()}`;
  await page.fill('#destination', q);
  await page.click('#listen');
  const sending = cli(['send', file, '--url', 'tcp://127.0.0.1:61623', '--to', q]);
  if (!(await midShot(page, '#received li progress', 'receive-mid.png'))) console.log('note: the receive was too fast for a mid-transfer screenshot');
  await page.waitForFunction(() => (window as unknown as { __demo: { received: unknown[] } }).__demo.received.length > 0, undefined, { timeout: 120_000 });
  await page.screenshot({ path: join(shots, 'receive-end.png') });
  const s = await sending;
  const got = await page.evaluate(() => (window as unknown as { __demo: { received: { sha256?: string; bytes?: number }[] } }).__demo.received[0]);
  const shown = await page.textContent('#received li .digest');
  const want = sha256(data);
  report(s.code === 0 && got?.sha256 === want && got?.bytes === SIZE && (shown ?? '').includes(want),
    `CLI → page: the page shows the same SHA-256 (${got?.sha256?.slice(0, 16)}…, want ${want.slice(0, 16)}…)`);
}

await mkdir(shots, { recursive: true });
const dir = await mkdtemp(join(tmpdir(), 'ss-demo-'));
const { server, port } = await startDemoServer(0);
const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('#status.ok', { timeout: 20_000 });
  await pageSendsCliReceives(page, dir);
  await cliSendsPageReceives(page, dir);
} catch (err) {
  report(false, `demo test crashed: ${(err as Error).stack}`);
} finally {
  await browser.close();
  server.close();
}
console.log(`conformance demo: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
