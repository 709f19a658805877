import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appErrors, startFakeMarathon, type FakeMarathon } from '../../examples/marathon/fake-marathon.js';
import { runCli } from '../cli/cli-capture.js';
import type { ConfigRepo } from '../support/config-repo.js';
import { exampleRepo, runReadme } from './helpers.js';

// There is no Marathon here (it needs Mesos and ZooKeeper): a stand-in for its REST API on
// loopback (examples/marathon/fake-marathon.ts), written from Marathon's published API description
// (apps.raml, traits.raml, schema/AppDefinition.json) and refusing what that schema refuses.
let fake: FakeMarathon;
let repo: ConfigRepo;

beforeAll(async () => {
  fake = await startFakeMarathon({ token: 'demo-token' });
  repo = exampleRepo('marathon');
  process.env.ORBIT_VAR_marathon_url = fake.url;
  process.env.NO_COLOR = '1';
});

afterAll(async () => {
  delete process.env.ORBIT_VAR_marathon_url;
  await fake.close();
  repo.remove();
});

const image = () =>
  (fake.apps.get('/waffle')?.container as { docker: { image: string } } | undefined)?.docker.image ?? null;

describe('examples/marathon', () => {
  it('deploys through the REST API, and unwinds by PUTting the previous app back, then DELETE', async () => {
    const cli = (...args: string[]) => runCli([...args, '--repo', repo.dir]);
    expect((await cli('reconcile')).code).toBe(0);
    expect(image()).toBe('registry.example.com/waffle:1.4.2');
    expect(fake.apps.get('/waffle')).toMatchObject({ instances: 2 });

    repo.commit({ 'services/waffle/values.hcl': 'version = "1.5.0"\ninstances = 3\n' }, 'waffle 1.5.0');
    expect((await cli('reconcile')).code).toBe(0);
    expect(fake.apps.get('/waffle')).toMatchObject({ instances: 3 });
    expect(image()).toBe('registry.example.com/waffle:1.5.0');

    expect((await cli('unwind', 'waffle')).code).toBe(0);
    expect(image()).toBe('registry.example.com/waffle:1.4.2');
    expect(fake.apps.get('/waffle')).toMatchObject({ instances: 2 });
    expect((await cli('unwind', 'waffle')).code).toBe(0);
    expect(fake.apps.has('/waffle')).toBe(false);
    expect(fake.requests).toEqual([
      'PUT /v2/apps/waffle',
      'GET /v2/apps/waffle',
      'PUT /v2/apps/waffle',
      'GET /v2/apps/waffle',
      'PUT /v2/apps/waffle',
      'DELETE /v2/apps/waffle',
    ]);
    // Every request that carries a body says it is JSON, as Marathon requires (@Consumes JSON).
    fake.requests.forEach((r, i) => {
      if (r.startsWith('PUT')) expect(fake.contentTypes[i]).toBe('application/json');
    });
    // Marathon answers a change with the deployment it started, recorded as the step's output.
    const shown2 = JSON.parse((await cli('show', 'waffle-2', '--json')).stdout) as {
      steps: Array<{ outputs: Record<string, string> }>;
    };
    expect(shown2.steps[0]?.outputs.status).toBe('200');
    expect(JSON.parse(shown2.steps[0]?.outputs.body ?? '{}')).toMatchObject({
      deploymentId: expect.any(String),
    });

    // The token is sensitive: never in the log.
    const shown = await cli('show', 'waffle-2', '--json');
    expect(shown.stdout).not.toContain('demo-token');
  });

  it('a definition Marathon’s schema refuses (negative instances) is a 422 and a failed step', async () => {
    const before = fake.requests.length;
    repo.commit({ 'services/waffle/values.hcl': 'version = "1.5.1"\ninstances = -1\n' }, 'minus one');
    const r = await runCli(['reconcile', '--repo', repo.dir]);
    expect(r.code).toBe(1);
    const shown = await runCli(['show', 'waffle-3', '--json', '--repo', repo.dir]);
    const record = JSON.parse(shown.stdout) as {
      status: string;
      steps: Array<{ error: { code: string } | null }>;
    };
    expect(record.status).toBe('failed');
    expect(record.steps[0]?.error?.code).toBe('E_HTTP_STATUS');
    expect(fake.requests.slice(before)).toEqual(['PUT /v2/apps/waffle']);
    expect(fake.apps.has('/waffle')).toBe(false);
  });

  it('the stand-in refuses what AppDefinition.json refuses, and accepts the example’s definition', () => {
    const ok = { id: '/waffle', instances: 2, container: { type: 'DOCKER', docker: { image: 'waffle:1' } } };
    expect(appErrors(ok)).toEqual([]);
    expect(appErrors({ ...ok, id: '/Waffle_1' }).map((e) => e.path)).toEqual(['/id']);
    expect(appErrors({ ...ok, instance: 2 }).map((e) => e.path)).toEqual(['/instance']);
    expect(appErrors({ ...ok, container: { type: 'RKT', docker: {} } }).map((e) => e.path)).toEqual([
      '/container/type',
      '/container/docker/image',
    ]);
    expect(appErrors({ ...ok, cmd: 'a', args: ['b'] }).map((e) => e.path)).toEqual(['/']);
  });

  it('a wrong token is a failed step, and the deployment unwinds itself', async () => {
    repo.commit(
      { 'services/waffle/values.hcl': 'version = "1.6.0"\nmarathon_token = "wrong"\n' },
      'bad token',
    );
    const r = await runCli(['reconcile', '--repo', repo.dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('waffle: failed waffle-4');
  });
});

describe('examples/marathon README', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'orbit-example-marathon-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('the walk-through, pasted as written, does what its comments say', { timeout: 120_000 }, async () => {
    const r = await runReadme('marathon', tmp);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('waffle: succeeded waffle-2');
    expect(r.stdout).toMatch(/"image":"registry\.example\.com\/waffle:1\.5\.0"/); // the curl
    expect(r.stdout).toContain('waffle-2: unwound (reason user)');
    expect(r.stdout).toContain('waffle-1: unwound (reason user)');
    expect(r.stdout).toMatch(/^DELETE \/v2\/apps\/waffle/m); // the stand-in's log
  });
});
