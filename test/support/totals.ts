/**
 * Totals of the reliability suite: each test file records its summary lines here, and the
 * totals reporter prints them all after the test run, as the suite's last lines.
 */
import { appendFileSync, mkdirSync } from 'node:fs';

export const TOTALS_FILE = 'test-output/reliability-totals.txt';

/** Prints `line` now and keeps it for the end-of-run summary. */
export function recordTotal(line: string): void {
  console.log(line);
  mkdirSync('test-output', { recursive: true });
  appendFileSync(TOTALS_FILE, `${line}\n`);
}
