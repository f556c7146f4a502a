import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Two cores here and in CI: keep workers to what the machine has.
    maxWorkers: 2,
    testTimeout: 20_000,
  },
});
