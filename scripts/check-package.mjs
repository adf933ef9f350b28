// What the published packages contain: `npm pack` must ship only dist/, README, LICENSE and the
// docs listed in package.json "files" (plus package.json), and `deno publish --dry-run` must pass
// (no slow types). Prints `conformance package: N passed, M failed`.
import { execFileSync } from 'node:child_process';

let passed = 0;
let failed = 0;
const report = (ok, line) => { ok ? passed++ : failed++; console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`); };

const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
const files = pack.files.map((f) => f.path);
const allowed = (p) => p.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE', 'docs/protocol.md', 'docs/brokers.md'].includes(p);
const stray = files.filter((p) => !allowed(p));
report(stray.length === 0, `npm pack: ${files.length} files, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked; outside dist/README/LICENSE/docs: ${stray.join(', ') || 'none'}`);
for (const needed of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/browser.js', 'dist/cli.js']) {
  report(files.includes(needed), `npm pack contains ${needed}`);
}

try {
  // deno reports on stderr
  const out = execFileSync('sh', ['-c', 'npx deno publish --dry-run --allow-dirty 2>&1'], { encoding: 'utf8' });
  report(/Dry run complete/.test(out), 'deno publish --dry-run (no slow types)');
} catch (err) {
  report(false, `deno publish --dry-run failed: ${String(err.stderr ?? err.message).slice(-2000)}`);
}
console.log(`conformance package: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
