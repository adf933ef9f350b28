/**
 * Bundles a one-line app that imports 'stomp-streams' with Vite (resolving the package through
 * its `browser` export condition), checks the bundle has no Node built-ins in it, and runs it in
 * Chromium against RabbitMQ Web-STOMP. Prints `conformance vite-bundle: N passed, M failed`.
 *
 *   node --import tsx test/conformance/vite-bundle.ts
 */
import { createServer } from 'node:http';
import { cp, mkdir, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { build } from 'vite';
import { chromium } from 'playwright-core';

const root = process.cwd();
const src = join(root, 'test-output/vite-src');
const out = join(root, 'test-output/vite-app');
// The app gets the package as an installed dependency would be (node_modules/stomp-streams),
// so Vite resolves it through package.json `exports` and picks the `browser` condition.
await rm(src, { recursive: true, force: true });
await mkdir(join(src, 'node_modules'), { recursive: true });
await cp(join(root, 'test/conformance/vite-app'), src, { recursive: true });
await symlink(root, join(src, 'node_modules/stomp-streams'), 'dir');
await build({ root: src, logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
const assets = await readdir(join(out, 'assets'));
const code = (await Promise.all(assets.filter((f) => f.endsWith('.js')).map((f) => readFile(join(out, 'assets', f), 'utf8')))).join('\n');
const nodeImports = code.match(/["'](node:[a-z_]+|net|tls|fs)["']/g) ?? [];

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  try {
    const body = await readFile(join(out, path === '/' ? 'index.html' : path));
    res.writeHead(200, { 'content-type': extname(path) === '.js' ? 'text/javascript' : 'text/html' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({ executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
let passed = 0;
let failed = 0;
const report = (ok: boolean, line: string) => { if (ok) passed++; else failed++; console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`); };
try {
  report(nodeImports.length === 0, `vite bundle has no Node built-ins (found: ${nodeImports.join(', ') || 'none'}; ${(code.length / 1024).toFixed(0)} KiB of JS)`);
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, undefined, { timeout: 30_000 });
  const text = await page.evaluate(() => (window as unknown as { __result: Promise<string> }).__result).catch((e: Error) => `error: ${e.message}`);
  report(text === 'bundled by vite', `vite bundle streams through RabbitMQ Web-STOMP in Chromium (got ${JSON.stringify(text)})`);
} finally {
  await browser.close();
  server.close();
}
console.log(`conformance vite-bundle: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
