import { describe, expect, it } from 'vitest';
import type { ConfigCommit } from '../../src/git/config-history.js';
import { planCommits, supersededInBatch } from '../../src/engine/reconcile-plan.js';

const commit = (sha: string, files: string[], body = ''): ConfigCommit => ({
  sha: sha.padEnd(40, '0'),
  author: 'Ann <ann@example.com>',
  time: '2026-11-27T00:00:00Z',
  subject: 's',
  body,
  files,
});

describe('planCommits', () => {
  it('deploys the services a commit touches; a revert message alone plans nothing else', () => {
    // Whether a commit unwinds is decided by what it changes when its job runs (commit-decision.ts).
    const reverted = 'a'.repeat(40);
    const plan = planCommits([
      commit('1', [
        'services/web/values.hcl',
        'services/api/deploy.hcl',
        'README.md',
        'services/web/notes.txt',
      ]),
      commit('2', ['orbit.hcl']),
      commit('3', ['services/web/values.hcl'], `Revert "x"\n\nThis reverts commit ${reverted}.`),
    ]);
    expect(plan.map((p) => p.jobs.map((j) => [j.kind, j.service]))).toEqual([
      [
        ['deploy', 'api'],
        ['deploy', 'web'],
      ],
      [],
      [['deploy', 'web']],
    ]);
  });
});

describe('supersededInBatch', () => {
  const job = (service: string, policy: string, supersedable = true) => ({ service, policy, supersedable });

  it('replaces earlier deploys of a supersede service by its newest one, and nothing else', () => {
    const a1 = job('a', 'supersede');
    const a2 = job('a', 'supersede');
    const revert = job('a', 'supersede', false);
    const a3 = job('a', 'supersede');
    const b1 = job('b', 'queue');
    const b2 = job('b', 'queue');
    const replaced = supersededInBatch([a1, b1, a2, revert, b2, a3]);
    expect([...replaced.entries()]).toEqual([
      [a1, a3],
      [a2, a3],
    ]);
  });

  it('follows the newest commit’s policy', () => {
    const a1 = job('a', 'supersede');
    const a2 = job('a', 'queue');
    expect(supersededInBatch([a1, a2]).size).toBe(0);
  });
});
