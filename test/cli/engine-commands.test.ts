import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';

let repo: ConfigRepo;
let trace: Trace;
let repoArgs: string[];

beforeAll(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  repoArgs = ['--repo', repo.dir];
  repo.commit({
    'services/web/deploy.hcl': tracedService(trace, ['migrate', 'deploy'], {
      failStep: 'deploy',
      failVersion: 'bad',
    }),
    'services/web/values.hcl': values('1'),
  });
});

afterAll(() => repo.remove());

describe('orbit reconcile, status, log, show, unwind, redeploy', () => {
  it('runs a deployment end to end through the real executable', async () => {
    let r = await orbit(['reconcile', ...repoArgs]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('web-1 step 1/2 migrate: applied');
    expect(r.stdout).toContain('web: succeeded web-1');
    expect(trace.lines()).toEqual(['+migrate:1', '+deploy:1']);

    r = await orbit(['reconcile', ...repoArgs]);
    expect(r).toMatchObject({ code: 0, stdout: 'nothing pending\n' });

    r = await orbit(['status', '--json', ...repoArgs]);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(status).toMatchObject([
      {
        service: 'web',
        current: { id: 'web-1', status: 'succeeded', values: { version: '1' } },
        sync: 'synced',
        health: 'healthy',
      },
    ]);

    r = await orbit(['log', 'web', '--flat', ...repoArgs]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^[0-9a-f]{7} \S+ \S+ web-1: deployed/);
    expect(lines.at(-1)).toMatch(/web-1: deploy started/);

    r = await orbit(['show', 'web-1', '--json', ...repoArgs]);
    const shown = JSON.parse(r.stdout) as { steps: Array<{ step_name: string; status: string }> };
    expect(shown.steps.map((s) => [s.step_name, s.status])).toEqual([
      ['migrate', 'applied'],
      ['deploy', 'applied'],
    ]);
  });

  it('exits 1 when a deployment fails, and 2 for an unknown service or a bad flag', async () => {
    repo.commit({ 'services/web/values.hcl': values('bad') });
    let r = await orbit(['reconcile', ...repoArgs]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('web-2 step 2/2 deploy: failed');
    expect(r.stdout).toContain('web: failed web-2');

    r = await orbit(['unwind', 'nosuch', ...repoArgs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^orbit: no service nosuch/);
    expect(r.stderr).not.toContain('    at '); // no stack trace

    r = await orbit(['log', '--limit', 'many', ...repoArgs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit');

    r = await orbit(['frobnicate']);
    expect(r.code).toBe(2);
  });

  it('unwinds and redeploys from the command line', async () => {
    let r = await orbit(['unwind', 'web', ...repoArgs], { env: { ORBIT_USER: 'dora' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('web-1: unwound (reason user)');
    r = await orbit(['redeploy', 'web', '--json', ...repoArgs], { env: { ORBIT_USER: 'dora' } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      deploy_id: 'web-3',
      redeploy_of: 'web-1',
      author: 'dora',
      status: 'succeeded',
    });
  });
});

describe('orbit --version', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await orbit(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});
