/**
 * `orbit preview` shows the order depends_on gives a commit's jobs and what each waits for, and
 * what the engine then does: a dependent of a rejected dependency is not started (as reconcile).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildPreview } from '../../src/engine/preview.js';
import { previewMarkdown } from '../../src/cli/preview/markdown.js';
import { previewText } from '../../src/cli/preview/text.js';
import { openEngine } from '../../src/engine/open.js';
import { ConfigRepo } from '../support/config-repo.js';

let repo: ConfigRepo | undefined;
afterEach(() => {
  repo?.remove();
  repo = undefined;
});

const service = (deps: string[], version: string) =>
  `${deps.length ? `depends_on = [${deps.map((d) => `"${d}"`).join(', ')}]\n` : ''}step {
  name    = "go"
  agent   = "exec"
  forward = ["echo", "${version}"]
  reverse = ["echo", "back"]
}
`;

const all = (version: string, db = service([], version)) => ({
  'services/db/deploy.hcl': db,
  'services/api/deploy.hcl': service(['db'], version),
  'services/worker/deploy.hcl': service(['db'], version),
  'services/web/deploy.hcl': service(['api'], version),
});

describe('orbit preview with depends_on', () => {
  it('lists a commit’s jobs in dependency order with their waits, and a revert in reverse', async () => {
    repo = new ConfigRepo();
    const base = repo.commit(all('1'));
    const engine = await openEngine({ repoDir: repo.dir, env: {} });
    try {
      await engine.reconcile();
    } finally {
      await engine.close();
    }
    const change = repo.commit(all('2'));
    const p = await buildPreview({ repoDir: repo.dir, range: `${base}..${change}` });
    const jobs = p.commits[0]!.jobs;
    expect(jobs.map((j) => [j.service, j.action, j.after ?? []])).toEqual([
      ['db', 'deploy', []],
      ['api', 'deploy', ['db']],
      ['worker', 'deploy', ['db']],
      ['web', 'deploy', ['api']],
    ]);
    const text = previewText(p);
    expect(text).toContain('order (depends_on): db, then api + worker, then web');
    expect(text).toContain('waits for db to finish (depends_on)');
    expect(previewMarkdown(p)).toContain('Order (depends_on): `db`, then `api` + `worker`, then `web`');

    const revert = repo.revert(change);
    const r = await buildPreview({ repoDir: repo.dir, range: `${base}..${revert}` });
    // The dry run deploys the change, then its revert unwinds it: dependents first.
    expect(r.commits[1]!.jobs.map((j) => [j.service, j.action, j.after ?? []])).toEqual([
      ['web', 'unwind', []],
      ['worker', 'unwind', []],
      ['api', 'unwind', ['web']],
      ['db', 'unwind', ['api', 'worker']],
    ]);
    expect(previewText(r)).toContain('order (depends_on): web + worker, then api, then db');
  });

  it('says the dependents of a rejected dependency are not started, with the ids reconcile uses', async () => {
    repo = new ConfigRepo();
    const base = repo.commit(all('1'));
    let engine = await openEngine({ repoDir: repo.dir, env: {} });
    try {
      await engine.reconcile();
    } finally {
      await engine.close();
    }
    const bad = repo.commit(all('2', 'step {\n  name = "go"\n}\n'));
    const p = await buildPreview({ repoDir: repo.dir, range: `${base}..${bad}` });
    expect(p.valid).toBe(false);
    const jobs = Object.fromEntries(p.commits[0]!.jobs.map((j) => [j.service, j]));
    expect(jobs.db?.action).toBe('invalid');
    expect(jobs.api).toMatchObject({
      action: 'none',
      note: 'not started: dependency db was rejected (its config does not load)',
    });
    expect(jobs.web).toMatchObject({
      action: 'none',
      note: 'not started: dependency api was not started (a dependency of its own did not get through)',
    });
    engine = await openEngine({ repoDir: repo.dir, env: {} });
    try {
      const report = await engine.reconcile();
      const by = Object.fromEntries(report.outcomes.map((o) => [o.service, o]));
      expect(by.db?.status).toBe('rejected');
      expect([by.api?.status, by.worker?.status, by.web?.status]).toEqual(['skipped', 'skipped', 'skipped']);
      expect(by.api?.error?.message).toBe(`not started: db was rejected (its config does not load)`);
      // The same ids as the dry run handed out.
      expect((await engine.state.service('api'))?.dependency_skip?.deploy_id).toBe('api-2');
    } finally {
      await engine.close();
    }
  });
});
