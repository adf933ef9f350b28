/**
 * A vitest reporter that prints the reliability suite's totals (test/support/totals.ts) after
 * everything else, so they are the last lines of the run.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { Reporter } from 'vitest/node';
import { TOTALS_FILE } from './totals.js';

export default class TotalsReporter implements Reporter {
  onInit(): void {
    rmSync(TOTALS_FILE, { force: true });
  }

  onTestRunEnd(): void {
    if (!existsSync(TOTALS_FILE)) return;
    const lines = readFileSync(TOTALS_FILE, 'utf8').trim();
    if (lines) process.stdout.write(`\nreliability totals:\n${lines}\n`);
  }
}
