import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMarathon, type FakeMarathon } from '../../examples/marathon/fake-marathon.js';
import { runCli } from '../cli/cli-capture.js';
import type { ConfigRepo } from '../support/config-repo.js';
import { exampleRepo } from './helpers.js';

// There is no Marathon here: a fake of its REST API on loopback (examples/marathon/fake-marathon.ts).
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

    // The token is sensitive: never in the log.
    const shown = await cli('show', 'waffle-2', '--json');
    expect(shown.stdout).not.toContain('demo-token');
  });

  it('a wrong token is a failed step, and the deployment unwinds itself', async () => {
    repo.commit(
      { 'services/waffle/values.hcl': 'version = "1.6.0"\nmarathon_token = "wrong"\n' },
      'bad token',
    );
    const r = await runCli(['reconcile', '--repo', repo.dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('waffle: failed waffle-3');
  });
});
