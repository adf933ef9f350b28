/**
 * Conformance runner for Chromium: serves the built browser module (dist/browser.js), the
 * shared cases (bundled with esbuild) and a page that imports both from a plain
 * `<script type="module">` under a strict CSP, then drives Debian's Chromium with
 * playwright-core and prints the page's lines (`conformance chromium: N passed, M failed`).
 *
 *   node --import tsx test/conformance/browser.ts [bigMiB]
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const root = process.cwd();
const big = Number(process.argv[2] ?? 64);
/** No inline script, WebAssembly allowed (hash-wasm needs 'wasm-unsafe-eval'), sockets to the local brokers. */
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ws://127.0.0.1:*";
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

async function bundleCases(): Promise<string> {
  const r = await build({ entryPoints: [join(root, 'test/conformance/cases.ts')], bundle: true, format: 'esm', target: 'es2022', write: false });
  return r.outputFiles[0]?.text ?? '';
}

function serve(casesJs: string): Promise<{ server: Server; port: number }> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path === '/' ? 'test/conformance/page/index.html' : path === '/main.js' ? 'test/conformance/page/main.js'
      : path.startsWith('/dist/') ? normalize(path.slice(1)) : undefined;
    const headers = { 'content-security-policy': CSP, 'content-type': TYPES[extname(file ?? path)] ?? 'application/octet-stream' };
    if (path === '/cases.js') return void res.writeHead(200, headers).end(casesJs);
    if (!file || !file.startsWith('dist/') && !file.startsWith('test/conformance/page/')) return void res.writeHead(404).end();
    try {
      res.writeHead(200, headers).end(await readFile(join(root, file)));
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

const { server, port } = await serve(await bundleCases());
const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let failed = 1;
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.log(m.text()));
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${port}/?big=${big}`);
  await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, undefined, { timeout: 30_000 });
  const result = await page.evaluate(() => (window as unknown as { __result: Promise<{ passed: number; failed: number }> }).__result);
  failed = result.failed;
} finally {
  await browser.close();
  server.close();
}
process.exit(failed > 0 ? 1 : 0);
