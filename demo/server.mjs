// Serves the demo page and the package's browser build: `npm run demo:web` (after `npm run build`).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const FILES = { '/': 'demo/index.html', '/app.js': 'demo/app.js', '/style.css': 'demo/style.css', '/dist/browser.js': 'dist/browser.js', '/dist/browser.js.map': 'dist/browser.js.map' };
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
// hash-wasm needs 'wasm-unsafe-eval'; nothing inline runs.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; img-src 'self' blob:";

/** Starts the server; resolves with its port. */
export function startDemoServer(port = 0) {
  const server = createServer(async (req, res) => {
    const file = FILES[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) return void res.writeHead(404).end('not found');
    try {
      const body = await readFile(join(root, file));
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP }).end(body);
    } catch {
      res.writeHead(500).end(`missing ${file}: run npm run build`);
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, port: server.address().port })));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { port } = await startDemoServer(Number(process.env.PORT ?? 8080));
  console.log(`stomp-streams demo on http://127.0.0.1:${port}/ (brokers: npm run brokers:up)`);
}
