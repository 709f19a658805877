import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPreview, type Preview } from '../../src/engine/preview.js';
import { openEngine } from '../../src/engine/open.js';
import type { JobOutcome } from '../../src/engine/engine.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';

let repo: ConfigRepo;
let trace: Trace;

beforeAll(() => {
  repo = new ConfigRepo();
  trace = new Trace();
});

afterAll(() => repo.remove());

/** What a job did, in one vocabulary: a preview's action, or a reconcile outcome. */
type Did = [service: string, action: string, deployment: string | null];

const fromPreview = (p: Preview): Did[][] =>
  p.commits.map((c) =>
    c.jobs.map((j): Did => {
      if (j.action === 'deploy') return [j.service, 'deploy', j.predicted];
      if (j.action === 'unwind') return [j.service, 'unwind', j.predicted];
      if (j.action === 'none' && j.note.startsWith('skipped')) return [j.service, 'skip', null];
      return [j.service, j.action === 'invalid' ? 'reject' : 'nothing', null];
    }),
  );

function fromOutcomes(commits: string[], outcomes: JobOutcome[]): Did[][] {
  const did = (o: JobOutcome): Did => {
    if (o.status === 'skipped') return [o.service, 'skip', null];
    if (o.status === 'rejected') return [o.service, 'reject', null];
    if (o.status === 'noop') return [o.service, 'nothing', null];
    if (o.kind === 'revert' && o.status === 'unwound') return [o.service, 'unwind', o.deployId];
    if (o.kind === 'deploy' && o.status === 'succeeded') return [o.service, 'deploy', o.deployId];
    return [o.service, `${o.kind} ${o.status}`, o.deployId];
  };
  return commits.map((sha) =>
    outcomes
      .filter((o) => o.commit === sha)
      .map(did)
      .sort((a, b) => a[0].localeCompare(b[0])),
  );
}

describe('orbit preview is the engine’s own plan', () => {
  it('says, commit by commit, what orbit reconcile then does over the same range', async () => {
    const base = repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['migrate', 'deploy']),
      'services/web/values.hcl': values('1'),
      'services/api/deploy.hcl': tracedService(trace, ['deploy']),
      'services/api/values.hcl': values('1'),
      'services/batch/deploy.hcl': `policy = "supersede"\n${tracedService(trace, ['deploy'])}`,
      'services/batch/values.hcl': values('1'),
    });
    const engine = await openEngine({ repoDir: repo.dir, env: {} });
    try {
      await engine.reconcile();
      const range: string[] = [];
      const bump = repo.commit({ 'services/web/values.hcl': values('2') }, 'web 2');
      range.push(bump, repo.revert(bump));
      const api2 = repo.commit({ 'services/api/values.hcl': values('2') }, 'api 2');
      range.push(api2);
      range.push(
        repo.commit(
          { 'services/api/values.hcl': values('3') },
          `Revert "api 2"\n\nThis reverts commit ${api2}.`,
        ),
      );
      range.push(repo.commit({ 'services/api/values.hcl': values('2') }, 'api back, by hand'));
      const broken = repo.commit({ 'services/web/deploy.hcl': 'step {\n  name = 1\n}\n' }, 'broken');
      range.push(broken, repo.revert(broken));
      range.push(repo.commit({ 'services/batch/values.hcl': values('2') }, 'batch 2'));
      range.push(repo.commit({ 'services/batch/values.hcl': values('3') }, 'batch 3'));
      range.push(
        repo.commit(
          { 'services/web/values.hcl': values('4'), 'services/api/values.hcl': values('4') },
          'web and api 4',
        ),
      );

      const preview = await buildPreview({ repoDir: repo.dir, range: `${base}..HEAD`, env: {} });
      const planned = fromPreview(preview);
      expect(planned).toEqual([
        [['web', 'deploy', 'web-2']],
        [['web', 'unwind', 'web-2']],
        [['api', 'deploy', 'api-2']],
        [['api', 'deploy', 'api-3']],
        [['api', 'unwind', 'api-3']],
        [['web', 'reject', null]],
        [['web', 'nothing', null]],
        [['batch', 'skip', null]],
        [['batch', 'deploy', 'batch-3']],
        [
          ['api', 'deploy', 'api-4'],
          ['web', 'deploy', 'web-3'],
        ],
      ]);

      // What a commit undoes is what it changes: the message only adds a note.
      expect(preview.commits.map((c) => c.reverts)).toEqual([
        null,
        bump,
        null,
        null,
        range[3],
        null,
        broken,
        null,
        null,
        null,
      ]);
      expect(preview.commits[3]!.jobs[0]).toMatchObject({
        note: expect.stringContaining('does not undo that commit'),
      });

      const report = await engine.reconcile();
      expect(fromOutcomes(range, report.outcomes)).toEqual(planned);
    } finally {
      await engine.close();
    }
  });
});
