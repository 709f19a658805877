/**
 * Test tiers, decided by a test file's name so a new file lands in its tier by how it is named:
 *
 *   *.unit.test.ts     unit     pure: no processes, no git, no sockets (guarded), < 10 s in all
 *   *.docker.test.ts   docker   needs the host's Docker engine (never changes its swarm state)
 *   *.cluster.test.ts  cluster  needs the multi-node swarm of scripts/cluster-up.sh (ORBIT_TEST_SWARM_HOST)
 *   *.browser.test.ts  browser  drives Debian's chromium (/usr/bin/chromium) with playwright-core
 *   *.test.ts          git      everything else: real repositories, processes, loopback servers
 */
import type { TestProjectInlineConfiguration } from 'vitest/config';

export const TIERS = ['unit', 'git', 'docker', 'cluster', 'browser'] as const;
export type Tier = (typeof TIERS)[number];

/** Suffixes of the tiers named in the file name; `git` is the tier of every other test file. */
const NAMED = ['unit', 'docker', 'cluster', 'browser'] as const;

const include = (tier: Tier): string[] =>
  tier === 'git' ? ['test/**/*.test.ts'] : [`test/**/*.${tier}.test.ts`];
const exclude = (tier: Tier): string[] =>
  tier === 'git' ? NAMED.map((suffix) => `test/**/*.${suffix}.test.ts`) : [];

type ProjectTest = NonNullable<TestProjectInlineConfiguration['test']>;

// A hang detector, not a time limit: real processes and containers on a busy two-core machine took
// 20-40 s per test in the measured runs, so the tiers that start them get room.
const SLOW: ProjectTest = {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // expect.poll waits for a daemon, a page or a container to catch up: its default second was
  // shorter than a live update took once in a loaded CI run (the dashboard's filter test).
  expect: { poll: { timeout: 15_000 } },
  globalSetup: ['test/support/fresh-bundle.ts'],
};

/** What each tier adds to the shared config. */
const EXTRA: Record<Tier, ProjectTest> = {
  // Fails loudly on a process or a socket: such a test belongs to another tier. Pure tests share a
  // worker's modules (isolate: false): loading the HCL parser once per worker, not once per file,
  // is most of the tier's time.
  unit: { setupFiles: ['test/support/unit-guard.ts'], pool: 'threads', isolate: false },
  git: SLOW,
  // No test may change the host engine's swarm state (swarm tests use the cluster tier's own).
  docker: { ...SLOW, globalSetup: [...(SLOW.globalSetup as string[]), 'test/support/host-swarm-guard.ts'] },
  // One file at a time: the failover and node-loss tests kill a node and restart the cluster, which
  // would pull the nodes from under another file's jobs (a CI run failed so).
  cluster: { ...SLOW, fileParallelism: false },
  // A real daemon and a real browser per file.
  browser: SLOW,
};

export function tierProject(tier: Tier): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: { name: tier, include: include(tier), exclude: exclude(tier), ...EXTRA[tier] },
  };
}
