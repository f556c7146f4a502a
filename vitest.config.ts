import { defineConfig } from 'vitest/config';
import type { Reporter } from 'vitest/reporters';

/** Ends the run with one plain line, `N passed, N failed, N skipped`, that any CI can read. */
const summaryLine: Reporter = {
  onTestRunEnd(testModules) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      if (module.state() === 'failed' && module.children.size === 0) counts.failed++;
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  },
};

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'packaging/*.test.ts'],
    reporters: ['default', summaryLine],
    // Two cores here and in CI: keep workers to what the machine has.
    maxWorkers: 2,
    // Timeouts catch hangs, not slowness: the suite must pass beside another CPU-heavy process,
    // where the property and campaign tests take several times what they take on a quiet machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
