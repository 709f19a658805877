import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerReady, exampleRepo, withExampleEngine } from './helpers.js';
import type { ConfigRepo } from '../support/config-repo.js';

const ready = await dockerReady();
const repos: ConfigRepo[] = [];
afterAll(() => {
  for (const r of repos) r.remove();
});

const statuses = (o: { outcomes: Array<{ deployId: string | null; status: string }> }) =>
  o.outcomes.map((x) => `${x.deployId}:${x.status}`);

describe.runIf(ready)('examples/docker-socket', () => {
  const docker = new Docker();
  const container = `orbit-example-hello-${process.pid}`;
  beforeAll(async () => {
    await docker
      .getContainer(container)
      .remove({ force: true })
      .catch(() => undefined);
  });
  afterAll(async () => {
    await docker
      .getContainer(container)
      .remove({ force: true })
      .catch(() => undefined);
  });
  const image = async () => (await docker.getContainer(container).inspect()).Config.Image;

  it(
    'starts, replaces and on unwind restores or removes a service container through the socket',
    { timeout: 60_000 },
    async () => {
      const repo = exampleRepo('docker-socket');
      repos.push(repo);
      await withExampleEngine(repo, { ORBIT_VAR_container: container }, async (engine) => {
        expect(statuses(await engine.reconcile())).toEqual(['hello-1:succeeded']);
        expect(await image()).toBe('orbit-example/hello:1.0');

        repo.commit({ 'services/hello/values.hcl': 'version = "2.0"\n' }, 'hello 2.0');
        expect(statuses(await engine.reconcile())).toEqual(['hello-2:succeeded']);
        expect(await image()).toBe('orbit-example/hello:2.0');
        const log = await engine.state.stepLog('hello-2', 0);
        expect(log).toContain('health check passed: hello from version 2.0');

        await engine.unwind('hello', 'test');
        expect(await image()).toBe('orbit-example/hello:1.0');
        await engine.unwind('hello', 'test');
        await expect(docker.getContainer(container).inspect()).rejects.toMatchObject({ statusCode: 404 });
      });
    },
  );
});
