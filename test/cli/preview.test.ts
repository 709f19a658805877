import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-capture.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import type { Preview } from '../../src/engine/preview.js';

let repo: ConfigRepo;
let trace: Trace;
let first: string;
let second: string;

const secretService = `variable "version" {}
variable "token" {
  sensitive = true
  default   = "hunter2"
}
step {
  name    = "call"
  agent   = "exec"
  forward = ["echo", "deploy", var.version, var.token]
  reverse = ["echo", "undo", coalesce(previous.var.version, "none")]
}
`;

beforeAll(() => {
  process.env.NO_COLOR = '1';
  repo = new ConfigRepo();
  trace = new Trace();
  first = repo.commit({
    'services/web/deploy.hcl': tracedService(trace, ['migrate', 'deploy']),
    'services/web/values.hcl': values('1'),
    'services/api/deploy.hcl': secretService,
    'services/api/values.hcl': values('1'),
  });
  second = repo.commit({ 'services/web/values.hcl': values('2') }, 'web 2');
});

afterAll(() => repo.remove());

const json = async (args: string[]): Promise<Preview> => {
  const r = await runCli(['preview', ...args, '--repo', repo.dir, '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Preview;
};

describe('orbit preview', () => {
  it('renders every step of each commit, masks sensitive values, and works without a state log', async () => {
    const p = await json([`${first}~0..${second}`]);
    expect(p).toMatchObject({ formatVersion: 1, stateLog: false, valid: true, base: first, head: second });
    expect(p.commits).toHaveLength(1);
    expect(p.commits[0]!.jobs).toMatchObject([{ service: 'web', action: 'deploy', policy: 'queue' }]);

    const all = await json([`${first}~0..HEAD`, '--state-branch', 'nope']);
    expect(all.commits).toHaveLength(1);

    const r = await runCli(['preview', 'HEAD~1', '--repo', repo.dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('web: deploys');
    expect(r.stdout).toMatch(/forward sh -c/);
  });

  it('masks sensitive values in every format', async () => {
    const c = repo.commit({ 'services/api/values.hcl': values('2') }, 'api 2');
    for (const format of [['--json'], ['--format', 'text'], ['--format', 'markdown']]) {
      const r = await runCli(['preview', `${c}~1..${c}`, '--repo', repo.dir, ...format]);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('hunter2');
      expect(r.stdout).toContain('(sensitive:token)');
    }
  });

  it('says which deployment a revert unwinds, from the state log, with its recorded reverse actions', async () => {
    expect((await runCli(['reconcile', '--repo', repo.dir])).code).toBe(0);
    const bump = repo.commit({ 'services/web/values.hcl': values('3') }, 'web 3');
    expect((await runCli(['reconcile', '--repo', repo.dir])).code).toBe(0);
    const revert = repo.revert(bump);

    const p = await json([`${bump}..${revert}`]);
    expect(p.stateLog).toBe(true);
    expect(p.commits[0]).toMatchObject({ sha: revert, reverts: bump });
    const job = p.commits[0]!.jobs[0]!;
    expect(job).toMatchObject({ service: 'web', action: 'unwind', deployment: 'web-2', reverted: bump });
    if (job.action !== 'unwind') throw new Error('expected an unwind');
    expect(job.steps!.map((s) => s.name)).toEqual(['deploy', 'migrate']);

    // A range holding a deploy and its revert: the revert unwinds the deploy of the same range.
    const next = repo.commit({ 'services/web/values.hcl': values('4') }, 'web 4');
    const back = repo.revert(next);
    const both = await json([`${revert}..${back}`]);
    expect(both.commits.map((c) => c.jobs.map((j) => j.action))).toEqual([['deploy'], ['unwind']]);
    const deploy = both.commits[0]!.jobs[0]!;
    // `previous` comes from the log: the deployment it would replace is known.
    expect(deploy).toMatchObject({ action: 'deploy', replaces: 'web-2' });

    const md = await runCli(['preview', `${revert}..${back}`, '--repo', repo.dir, '--format', 'markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^### Orbit preview: `/);
    expect(md.stdout).toContain('| # | step | agent | forward | reverse |');
    expect(md.stdout).toContain('**web** unwinds');
  });

  it('exits 1 with file:line:col when a commit of the range has invalid HCL, 2 for a bad range or flag', async () => {
    const good = repo.git('rev-parse', 'HEAD');
    const bad = repo.commit(
      { 'services/web/deploy.hcl': 'step {\n  name = "x"\n  agent = "exec"\n  forward = [var.nope]\n}\n' },
      'broken',
    );
    const r = await runCli(['preview', `${good}..${bad}`, '--repo', repo.dir, '--json']);
    expect(r.code).toBe(1);
    const p = JSON.parse(r.stdout) as Preview;
    expect(p.valid).toBe(false);
    const job = p.commits[0]!.jobs[0]!;
    expect(job.action).toBe('invalid');
    if (job.action !== 'invalid') throw new Error('expected invalid');
    expect(job.diagnostics[0]).toMatchObject({
      file: expect.stringContaining('services/web/deploy.hcl'),
      line: 4,
    });
    expect(job.diagnostics[0]!.code).toMatch(/^E_/);

    const text = await runCli(['preview', `${good}..${bad}`, '--repo', repo.dir]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/services\/web\/deploy\.hcl:4:\d+: /);

    expect((await runCli(['preview', 'nosuchref..HEAD', '--repo', repo.dir])).code).toBe(2);
    expect((await runCli(['preview', 'HEAD~1..HEAD', '--repo', repo.dir, '--format', 'html'])).code).toBe(2);
    expect((await runCli(['preview', '--repo', repo.dir])).code).toBe(2);
  });
});
