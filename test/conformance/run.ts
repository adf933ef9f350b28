/**
 * Conformance runner for runtimes with sockets: Node 20 (`ws`), Node 24 (global WebSocket),
 * Deno 2 and Bun 1. Loads the *built* package (dist/index.js) and the shared cases, runs them
 * against every endpoint, prints one line per case and `conformance <runtime>: N passed, M failed`.
 *
 *   node --import tsx test/conformance/run.ts node20
 *   npx -y node@24 test/conformance/run.ts node24      (Node 24 strips the types itself)
 *   deno run -A test/conformance/run.ts deno
 *   bun test/conformance/run.ts bun
 */
import type * as Lib from '../../src/index.js';

type Cases = typeof import('./cases.js');

const g = globalThis as { Deno?: { args: string[]; exit(code: number): never }; process?: { argv: string[]; exit(code: number): never } };
const args = g.Deno?.args ?? g.process?.argv.slice(2) ?? [];
const runtime = args[0] ?? 'unknown';
const bigMiB = Number(args[1] ?? 64);

const lib = (await import(new URL('../../dist/index.js', import.meta.url).href)) as typeof Lib;
const { conformanceCases, runConformance } = (await import(new URL('./cases.ts', import.meta.url).href)) as Cases;

const endpoints = [
  { name: 'rabbitmq/ws', url: 'ws://127.0.0.1:15674/ws', broker: 'rabbitmq' as const },
  { name: 'activemq/ws', url: 'ws://127.0.0.1:61614', broker: 'activemq' as const },
  { name: 'rabbitmq/tcp', url: 'tcp://127.0.0.1:61623', broker: 'rabbitmq' as const },
  { name: 'activemq/tcp', url: 'tcp://127.0.0.1:61613', broker: 'activemq' as const },
];

const cases = conformanceCases(lib, { runtime, endpoints, bigBytes: bigMiB * 2 ** 20 });
const { failed } = await runConformance(cases, runtime, (line) => console.log(line));
if (g.Deno) g.Deno.exit(failed > 0 ? 1 : 0);
else g.process?.exit(failed > 0 ? 1 : 0);
