import { defineConfig } from 'vitest/config';
import { TIERS, tierProject } from './test/support/tiers.js';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: suites that start processes or containers stay predictable with few workers.
    maxWorkers: 2,
    // In CI a JSON report too, from which .ci/run prints the plain `N passed, N failed` line.
    // ORBIT_TEST_REPORT names the file, so each tier run by .ci/run keeps its own report.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: process.env.ORBIT_TEST_REPORT ?? '.test-results.json' }]]
      : ['default'],
    // One project per tier; a file's tier is in its name (see test/support/tiers.ts and README "Tests").
    projects: TIERS.map(tierProject),
  },
});
