/**
 * The environments layout on real repositories: listing and loading from the working tree and
 * from a commit, validate's errors at file:line:col (hostile directory names included), and
 * reconcile deploying each environment from the files that make it.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listServices, loadService } from '../../src/config/load.js';
import { openEngine } from '../../src/engine/open.js';
import { ConfigError } from '../../src/util/errors.js';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace } from '../support/config-repo.js';

let repo: ConfigRepo;
let trace: Trace;

const step = (traceFile: string) => `variable "version" {}

step {
  name    = "release"
  agent   = "exec"
  forward = ["sh", "-c", "echo \${orbit.service} \${var.version} >> ${traceFile}"]
}
`;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit({
    'services/api/deploy.hcl': step(trace.file),
    'services/dns/deploy.hcl': step(trace.file),
    'services/dns/values.hcl': 'version = "d1"\n',
    'environments/staging/services/api/values.hcl': 'version = "s1"\n',
    'environments/prod/services/api/values.hcl': 'version = "p1"\n',
  });
});

afterEach(() => repo.remove());

describe('listing and loading', () => {
  it('lists <name>@<env> for each environment and plain names for the rest, in the working tree and at a commit', async () => {
    const expected = ['api@prod', 'api@staging', 'dns'];
    expect(await listServices(repo.dir)).toEqual(expected);
    expect(await listServices(repo.dir, 'HEAD')).toEqual(expected);
  });

  it("loads an environment's values with the shared steps; a bad value is reported in the environment's file", async () => {
    const spec = await loadService(repo.dir, 'api@prod', { ref: 'HEAD' });
    expect(spec.sources.values?.path).toBe('environments/prod/services/api/values.hcl');
    expect(spec.sources.deploy.path).toBe('services/api/deploy.hcl');
    repo.write('environments/prod/services/api/values.hcl', 'version = "p1"\nversoin = "typo"\n');
    const err = await loadService(repo.dir, 'api@prod').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).diagnostics).toEqual([
      expect.objectContaining({
        file: 'environments/prod/services/api/values.hcl',
        line: 2,
        column: 1,
        code: 'E_UNKNOWN_VARIABLE',
      }),
    ]);
  });

  it('an unknown environment service is E_UNKNOWN_SERVICE, naming the file that would make it', async () => {
    await expect(loadService(repo.dir, 'api@qa')).rejects.toMatchObject({
      code: 'E_UNKNOWN_SERVICE',
      message: expect.stringContaining('environments/qa/services/api/values.hcl'),
    });
  });
});

describe('a symlinked environments/ leading out of the repository', () => {
  it('is listed, and refused at its file instead of read', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'orbit-outside-'));
    try {
      mkdirSync(path.join(outside, 'qa/services/api'), { recursive: true });
      writeFileSync(path.join(outside, 'qa/services/api/values.hcl'), 'version = "stolen"\n');
      rmSync(path.join(repo.dir, 'environments'), { recursive: true });
      symlinkSync(outside, path.join(repo.dir, 'environments'));
      expect(await listServices(repo.dir)).toEqual(['api@qa', 'dns']);
      const err = await loadService(repo.dir, 'api@qa').catch((e: unknown) => e);
      expect((err as ConfigError).diagnostics).toEqual([
        expect.objectContaining({
          file: 'environments/qa/services/api/values.hcl',
          line: 1,
          column: 1,
          code: 'E_CONFIG_NOT_A_FILE',
        }),
      ]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('orbit validate', () => {
  it('checks every environment, and only those a file belongs to', async () => {
    const all = await orbit(['validate'], { cwd: repo.dir });
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('ok api@prod\nok api@staging\nok dns\n');
    const shared = await orbit(['validate', 'services/api/deploy.hcl'], { cwd: repo.dir });
    expect(shared.stdout).toBe('ok api@prod\nok api@staging\n');
    const one = await orbit(['validate', 'environments/staging/services/api/values.hcl'], { cwd: repo.dir });
    expect(one.stdout).toBe('ok api@staging\n');
  });

  it('values without shared steps, and hostile environment names, are errors at file:1:1, the terminal untouched', async () => {
    repo.write('environments/prod/services/lonely/values.hcl', 'version = "1"\n');
    repo.write('environments/-rf/services/api/values.hcl', 'version = "1"\n');
    repo.write('environments/\u001b]0;owned\u0007/services/api/values.hcl', 'version = "1"\n');
    const r = await orbit(['validate'], { cwd: repo.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'environments/prod/services/lonely/values.hcl:1:1: lonely@prod has values but no steps: services/lonely/deploy.hcl does not exist [E_NO_SHARED_DEPLOY]',
    );
    expect(r.stderr).toContain('environments/-rf/services/api/values.hcl:1:1: service name "api@-rf"');
    expect(r.stderr).toContain('environments/\\u{1b}]0;owned\\u{7}/services/api/values.hcl:1:1:');
    expect(r.stderr.match(/\[E_UNSAFE_SERVICE_NAME\]/g)).toHaveLength(2);
    expect(r.stdout + r.stderr).not.toContain('\u001b');
    expect(r.stdout + r.stderr).not.toContain('\u0007');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('preview', () => {
  it('of a change to the shared steps shows every environment deploying', async () => {
    repo.commit({ 'services/api/deploy.hcl': step(trace.file).replace('echo ', 'echo v2 ') }, 'api steps v2');
    const r = await orbit(['preview', 'HEAD~1..HEAD', '--json'], { cwd: repo.dir });
    expect(r.code).toBe(0);
    const { commits } = JSON.parse(r.stdout) as {
      commits: Array<{ jobs: Array<{ service: string; action: string }> }>;
    };
    expect(commits.flatMap((c) => c.jobs.map((j) => [j.service, j.action]))).toEqual([
      ['api@prod', 'deploy'],
      ['api@staging', 'deploy'],
    ]);
  });
});

describe('reconcile', () => {
  it("deploys each environment from its own values; the shared steps redeploy every environment; one environment's values only that one", async () => {
    const engine = await openEngine({ repoDir: repo.dir });
    try {
      await engine.reconcile();
      expect(trace.next().sort()).toEqual(['api@prod p1', 'api@staging s1', 'dns d1']);

      repo.commit(
        { 'services/api/deploy.hcl': step(trace.file).replace('echo ', 'echo v2 ') },
        'api steps v2',
      );
      await engine.reconcile();
      expect(trace.next().sort()).toEqual(['v2 api@prod p1', 'v2 api@staging s1']);

      repo.commit({ 'environments/staging/services/api/values.hcl': 'version = "s2"\n' }, 'staging s2');
      await engine.reconcile();
      expect(trace.next()).toEqual(['v2 api@staging s2']);

      const statuses = await engine.status();
      expect(statuses.map((s) => [s.service, s.sync, s.current?.id])).toEqual([
        ['api@prod', 'synced', 'api@prod-2'],
        ['api@staging', 'synced', 'api@staging-3'],
        ['dns', 'synced', 'dns-1'],
      ]);
      // The state branch keeps each as one path segment (services/<shard>/<id>).
      const tree = repo.git('ls-tree', '-r', '-d', '--name-only', 'orbit/state', 'services/');
      const ids = tree.split('\n').filter((p) => p.split('/').length === 3);
      expect(ids.map((p) => p.split('/')[2]).sort()).toEqual(['api@prod', 'api@staging', 'dns']);
    } finally {
      await engine.close();
    }
  });
});
