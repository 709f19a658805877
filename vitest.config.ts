import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: suites that start processes or containers stay predictable with few workers.
    maxWorkers: 2,
    // In CI a JSON report too, from which .ci/run prints the plain `N passed, N failed` line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.test-results.json' }]] : ['default'],
  },
});
