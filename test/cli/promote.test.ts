/**
 * Environments and promotion through the real `orbit` executable, on a real config repository:
 * staging healthy → `orbit promote` writes a branch (and nothing else) whose diff sets prod's
 * values to staging's → `orbit preview` of the branch → merge → `orbit reconcile` deploys prod
 * with staging's values. A failed staging is refused; so are unknown names and from = to.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import { promote } from '../../src/engine/promote.js';
import type { ServiceStatus } from '../../src/engine/status.js';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace } from '../support/config-repo.js';

let repo: ConfigRepo;
let trace: Trace;

const deployHcl = (traceFile: string) => `variable "version" {}
variable "fail" { default = "no" }

step {
  name    = "release"
  agent   = "exec"
  forward = ["sh", "-c", "test \${var.fail} = no && echo \${orbit.service} \${var.version} >> ${traceFile}"]
  reverse = ["sh", "-c", "echo undo \${orbit.service} \${var.version} >> ${traceFile}"]
}
`;

const STAGING = 'environments/staging/services/api/values.hcl';
const PROD = 'environments/prod/services/api/values.hcl';

async function run(args: string[]) {
  const r = await orbit(args, { cwd: repo.dir });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r;
}

async function deployed(service: string): Promise<{ id: string; values: Record<string, unknown> | null }> {
  const r = await run(['status', '--json']);
  const s = (JSON.parse(r.stdout) as ServiceStatus[]).find((x) => x.service === service);
  return { id: s?.current?.id ?? '', values: s?.current?.values ?? null };
}

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit(
    {
      'services/api/deploy.hcl': deployHcl(trace.file),
      [STAGING]: 'version = "1.0"\n',
      [PROD]: 'version = "0.9"\n',
    },
    'api in staging and prod',
  );
});

afterEach(() => repo.remove());

describe('orbit promote', () => {
  beforeEach(async () => {
    expect((await run(['reconcile'])).code).toBe(0);
    expect(trace.next().sort()).toEqual(['api@prod 0.9', 'api@staging 1.0']);
  });

  it('staging healthy: a branch with the right diff, its preview, then merge and reconcile deploy prod', async () => {
    const staged = repo.commit({ [STAGING]: 'version = "1.1"\n' }, 'staging 1.1');
    expect((await run(['reconcile'])).code).toBe(0);
    expect(trace.next()).toEqual(['api@staging 1.1']);
    const headBefore = repo.git('rev-parse', 'main');

    const r = await run(['promote', 'api', '--from', 'staging', '--to', 'prod']);
    expect(r.code).toBe(0);
    const branch = `orbit/promote/api/staging-to-prod-${staged.slice(0, 7)}`;
    expect(r.stdout).toContain(`branch ${branch}`);
    expect(r.stdout).toContain(`orbit preview main..${branch}`);

    // Nothing deployed, nothing checked out or staged, main where it was.
    expect(trace.next()).toEqual([]);
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(repo.git('symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(repo.git('rev-parse', 'main')).toBe(headBefore);

    // One commit on main, changing prod's values file to staging's, and nothing else.
    expect(repo.git('rev-list', '--count', `main..${branch}`)).toBe('1');
    expect(repo.git('diff', '--name-only', `main...${branch}`)).toBe(PROD);
    const diff = repo.git('diff', `main...${branch}`);
    expect(diff).toContain('-version = "0.9"');
    expect(diff).toContain('+version = "1.1"');
    expect(repo.git('log', '-1', '--format=%B', branch)).toContain('Orbit-Promoted-From: api@staging-2');

    const preview = await run(['preview', `main..${branch}`, '--json']);
    expect(preview.code).toBe(0);
    const jobs = (
      JSON.parse(preview.stdout) as { commits: Array<{ jobs: Array<{ service: string; action: string }> }> }
    ).commits.flatMap((c) => c.jobs);
    expect(jobs.map((j) => [j.service, j.action])).toEqual([['api@prod', 'deploy']]);
    expect(JSON.stringify(jobs[0])).toContain('api@prod 1.1');

    repo.git('merge', '-q', '--ff-only', branch);
    expect((await run(['reconcile'])).code).toBe(0);
    expect(trace.next()).toEqual(['api@prod 1.1']);
    expect(await deployed('api@prod')).toEqual({ id: 'api@prod-2', values: { version: '1.1', fail: 'no' } });
    expect((await deployed('api@staging')).id).toBe('api@staging-2');

    // Promoting again: prod has staging's values already, no branch.
    const again = await run(['promote', 'api', '--from', 'staging', '--to', 'prod']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to promote');
  });

  it('staging failed: promote is refused with E_PROMOTE_NOT_HEALTHY, exit 1, and writes no branch', async () => {
    repo.commit({ [STAGING]: 'version = "1.2"\nfail = "yes"\n' }, 'staging 1.2, broken');
    expect((await run(['reconcile'])).code).toBe(1);

    const r = await run(['promote', 'api', '--from', 'staging', '--to', 'prod']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('api@staging is failed, not healthy');
    expect(repo.git('branch', '--list', 'orbit/promote/*')).toBe('');

    const engine = await openEngine({ repoDir: repo.dir, readOnly: true });
    try {
      await expect(promote(engine, { name: 'api', from: 'staging', to: 'prod' })).rejects.toMatchObject({
        code: 'E_PROMOTE_NOT_HEALTHY',
        data: { service: 'api@staging', health: 'failed' },
      });
    } finally {
      await engine.close();
    }
  });

  it('a source with no deployment yet is refused with E_NOTHING_TO_PROMOTE', async () => {
    repo.commit({ 'environments/qa/services/api/values.hcl': 'version = "2.0"\n' }, 'api in qa');
    const engine = await openEngine({ repoDir: repo.dir, readOnly: true });
    try {
      await expect(promote(engine, { name: 'api', from: 'qa', to: 'prod' })).rejects.toMatchObject({
        code: 'E_NOTHING_TO_PROMOTE',
      });
    } finally {
      await engine.close();
    }
  });
});

describe('orbit promote: bad input is a one-line usage error (exit 2), and no branch', () => {
  it.each([
    [['api', '--from', 'staging', '--to', 'qa'], 'unknown environment "qa"', 'E_UNKNOWN_ENVIRONMENT'],
    [['web', '--from', 'staging', '--to', 'prod'], 'unknown service "web@staging"', 'E_UNKNOWN_SERVICE'],
    [['api', '--from', 'staging', '--to', 'staging'], '--from and --to are both "staging"', 'E_BAD_FLAG'],
    [['api', '--from', '../prod', '--to', 'staging'], '--from "../prod" may hold only', 'E_BAD_FLAG'],
    [['api@staging', '--from', 'staging', '--to', 'prod'], 'without its environment', 'E_BAD_FLAG'],
  ])('%j', async (args, message, code) => {
    const r = await run(['promote', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // the message and the usage hint
    expect(repo.git('branch', '--list', 'orbit/promote/*')).toBe('');

    const engine = await openEngine({ repoDir: repo.dir, readOnly: true });
    try {
      await expect(promote(engine, { name: args[0]!, from: args[2]!, to: args[4]! })).rejects.toMatchObject({
        code,
      });
    } finally {
      await engine.close();
    }
  });
});
