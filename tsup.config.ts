import { defineConfig, type Options } from 'tsup';

/**
 * Browser build: one self-contained ES module (hash-wasm bundled in) with no Node built-ins
 * and no bare imports, so `<script type="module">` can import it straight from a server and
 * bundlers pick it through the `browser` export condition. The TCP transport's lazy
 * `node:net`/`node:tls` imports become a stub that rejects (TCP needs sockets browsers do not
 * have); `isomorphic-ws` becomes the global WebSocket.
 */
const browserStubs = {
  name: 'browser-stubs',
  setup(build: { onResolve: Function; onLoad: Function }) {
    build.onResolve({ filter: /^((node:)?(net|tls)|isomorphic-ws)$/ }, (args: { path: string }) => ({ path: args.path, namespace: 'browser-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'browser-stub' }, (args: { path: string }) => ({
      contents: args.path === 'isomorphic-ws'
        ? 'export default globalThis.WebSocket;'
        : 'export function connect() { throw new Error("TCP needs node:net and node:tls, which this runtime (a browser) does not have: use ws:// or wss://"); }',
      loader: 'js',
    }));
  },
};

const browser: Options = {
  entry: { browser: 'src/index.ts' },
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  clean: false,
  splitting: false,
  removeNodeProtocol: false,
  noExternal: [/.*/],
  esbuildPlugins: [browserStubs as never],
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
    format: ['esm', 'cjs'],
    dts: { entry: { index: 'src/index.ts' } },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    // node: built-ins stay external; they are only imported by the TCP transport and the CLI,
    // both loaded lazily. Browsers get dist/browser.js (below).
    external: [/^node:/, 'ws', 'isomorphic-ws'],
  },
  browser,
]);
