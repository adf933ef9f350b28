// The browser side of the conformance suite: the built ESM, imported as is by a plain
// <script type="module">, under a CSP that allows WebAssembly ('wasm-unsafe-eval') and nothing inline.
import * as lib from '/dist/browser.js';
import { conformanceCases, runConformance } from '/cases.js';

const logEl = document.getElementById('log');
const endpoints = [
  { name: 'rabbitmq/ws', url: 'ws://127.0.0.1:15674/ws', broker: 'rabbitmq' },
  { name: 'activemq/ws', url: 'ws://127.0.0.1:61614', broker: 'activemq' },
];
const bigBytes = Number(new URLSearchParams(location.search).get('big') ?? 64) * 2 ** 20;
const cases = conformanceCases(lib, { runtime: 'chromium', endpoints, bigBytes });
window.__result = runConformance(cases, 'chromium', (line) => {
  console.log(line);
  logEl.textContent += `${line}\n`;
});
