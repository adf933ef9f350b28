import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The JSON report feeds the one-line summary .ci/run prints.
    // The totals reporter repeats the reliability suite's totals as the run's last lines.
    reporters: ['default', ['json', { outputFile: 'test-output/vitest.json' }], './test/support/totals-reporter.ts'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000, sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Integration files share the real brokers; run them one file at a time so
          // destinations and broker memory stay predictable on a 2-core machine.
          fileParallelism: false,
          // Not 0: vitest 4 moves single-worker projects of group 0 to the very end of the run,
          // which put these after the reliability group's broker restarts.
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          // After the unit and integration projects, never beside them: the broker-restart
          // test stops and starts the shared brokers.
          sequence: { groupOrder: 2 },
          testTimeout: 1_800_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
