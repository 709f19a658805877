import { describe, expect, it } from 'vitest';
import type { ConfigCommit } from '../../src/git/config-history.js';
import { planCommits } from '../../src/engine/reconcile-plan.js';

const commit = (sha: string, files: string[]): ConfigCommit => ({
  sha: sha.padEnd(40, '0'),
  author: 'Ann <ann@example.com>',
  time: '2026-11-27T00:00:00Z',
  subject: 's',
  body: '',
  files,
});

const jobsOf = (plan: ReturnType<typeof planCommits>) => plan.map((p) => p.jobs.map((j) => j.service));

describe('planning commits of a repository with environments', () => {
  it("an environment's values deploy that environment only", () => {
    expect(jobsOf(planCommits([commit('1', ['environments/staging/services/api/values.hcl'])]))).toEqual([
      ['api@staging'],
    ]);
  });

  it('the shared deploy.hcl deploys every environment holding the service (the services at that commit say which)', () => {
    const c = commit('2', ['services/api/deploy.hcl', 'services/dns/deploy.hcl']);
    const servicesAt = new Map([[c.sha, ['api@prod', 'api@staging', 'dns', 'web@prod']]]);
    expect(jobsOf(planCommits([c], servicesAt))).toEqual([['api@prod', 'api@staging', 'dns']]);
  });

  it('without environments at the commit, a deploy.hcl is its plain service, as before', () => {
    expect(jobsOf(planCommits([commit('3', ['services/api/deploy.hcl'])]))).toEqual([['api']]);
  });
});
