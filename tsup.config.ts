import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  // node: built-ins stay external; they are only imported by the TCP transport and the CLI,
  // both loaded lazily so browser bundles never pull them in.
  external: [/^node:/, 'ws', 'isomorphic-ws'],
});
