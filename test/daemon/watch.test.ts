import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import { isOrbitError } from '../../src/util/errors.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

let repo: ConfigRepo;
let trace: Trace;
let daemon: TestDaemon | null;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  daemon = null;
});

afterEach(async () => {
  await daemon?.stop();
  repo.remove();
});

const current = async (service: string) => (await daemon!.engine.state.service(service))?.current ?? null;

describe('orbit daemon watching a local repository', () => {
  it('deploys a commit as it lands, and unwinds it when the commit is reverted', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['migrate', 'deploy']),
      'services/web/values.hcl': values('1'),
    });
    daemon = await startTestDaemon({ repo: repo.dir });
    await waitFor('web-1', async () => (await current('web')) === 'web-1');
    expect(trace.next()).toEqual(['+migrate:1', '+deploy:1']);

    // A new commit is noticed through the ref watcher (the poll interval is 60 s).
    const t0 = performance.now();
    const c2 = repo.commit({ 'services/web/values.hcl': values('2') }, 'web 2');
    await waitFor('web-2 step started', () =>
      daemon!.entries.find((e) => e.kind === 'step-started' && e.deploy_id === 'web-2'),
    );
    const latency = performance.now() - t0;
    await waitFor('web-2', async () => (await current('web')) === 'web-2');
    expect(trace.next()).toEqual(['+migrate:2', '+deploy:2']);
    // Measured, not asserted: bench/daemon.ts reports the median.
    console.log(`commit → first step started: ${latency.toFixed(0)} ms`);

    repo.revert(c2);
    await waitFor(
      'revert unwound web-2',
      async () => (await daemon!.engine.state.deployment('web-2'))?.status === 'unwound',
    );
    expect(trace.next()).toEqual(['-deploy:2', '-migrate:2']);
    expect(await current('web')).toBe('web-1');
  });

  it('deploys commits that land right after one another, not a poll interval later', async () => {
    // A step that takes no time, and each commit made as soon as the one before is deployed:
    // commits land within the 50 ms in which chokidar drops the ref files' further change
    // events after one it reported. The poll interval is an hour.
    const plan =
      'variable "version" {}\nstep {\n  name    = "noop"\n  agent   = "exec"\n  forward = ["true"]\n}\n';
    repo.commit({ 'services/web/deploy.hcl': plan, 'services/web/values.hcl': values('1') });
    const succeeded = new Set<string>();
    daemon = await startTestDaemon({ repo: repo.dir, 'poll-interval': '1h' }, {}, (e) => {
      if (e.kind === 'deploy-succeeded' && e.deploy_id) succeeded.add(e.deploy_id);
    });
    await waitFor('web-1', () => succeeded.has('web-1'));
    for (let v = 2; v <= 8; v++) {
      repo.commit({ 'services/web/values.hcl': values(String(v)) }, `web ${v}`);
      await waitFor(`web-${v} deployed without waiting for the interval`, () => succeeded.has(`web-${v}`));
    }
    expect(await current('web')).toBe('web-8');
  });

  it('refuses a second writer on the same repository, naming the holder', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['a']),
      'services/web/values.hcl': values('1'),
    });
    daemon = await startTestDaemon({ repo: repo.dir });
    const err = await startTestDaemon({ repo: repo.dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isOrbitError(err, 'E_STATE_LOCKED')).toBe(true);
    expect((err as { data: { holder: { pid: number } } }).data.holder.pid).toBe(process.pid);
    // A one-shot engine is refused the same way while the daemon runs.
    await expect(openEngine({ repoDir: repo.dir, env: {} })).rejects.toMatchObject({
      code: 'E_STATE_LOCKED',
    });
  });

  it('reports a force-pushed branch in the API and the logs, and keeps serving', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['a']),
      'services/web/values.hcl': values('1'),
    });
    const c2 = repo.commit({ 'services/web/values.hcl': values('2') });
    daemon = await startTestDaemon({ repo: repo.dir });
    await waitFor(
      'web-1 deployed from c2',
      async () =>
        (await daemon!.engine.state.service('web'))?.last_config_commit === c2 &&
        (await current('web')) === 'web-1',
    );

    // Rewrite history: drop c2 and commit something else in its place.
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    repo.commit({ 'services/web/values.hcl': values('3') }, 'rewritten');
    const status = await waitFor('sync error', async () => {
      const r = await api(daemon!, 'GET', '/api/services');
      return r.body.sync.error ? r : null;
    });
    expect(status.status).toBe(200);
    expect(status.body.sync.error.code).toBe('E_CONFIG_REWRITTEN');
    expect(daemon.logs.some((l) => l.code === 'E_CONFIG_REWRITTEN' && l.level === 50)).toBe(true);
    const health = await api(daemon, 'GET', '/healthz');
    expect(health.body).toMatchObject({
      status: 'degraded',
      sync: { error: { code: 'E_CONFIG_REWRITTEN' } },
    });
    expect((await api(daemon, 'GET', '/api/services/web')).status).toBe(200);
    expect(trace.lines()).toEqual(['+a:2']);
  });
});
