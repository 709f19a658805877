import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { isOrbitError, type ErrorCode } from '../../src/util/errors.js';
import { ConfigRepo, Gate, Trace, gatedService, tracedService, values } from '../support/config-repo.js';

let repo: ConfigRepo;
let trace: Trace;
let engine: Engine;

const open = async () => (engine = await openEngine({ repoDir: repo.dir, env: {} }));

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await p.then(
    () => expect.fail(`expected ${code}`),
    (err: unknown) => {
      if (!isOrbitError(err, code)) throw err;
    },
  );
}

beforeEach(async () => {
  repo = new ConfigRepo();
  trace = new Trace();
});

afterEach(async () => {
  await engine?.close();
  repo.remove();
});

describe('deploy, automatic unwind, unwind, redeploy', () => {
  it('walks the whole chain forward and back in the documented order', async () => {
    const deploy = tracedService(trace, ['migrate', 'deploy'], { failStep: 'deploy', failVersion: '3' });
    const c1 = repo.commit(
      { 'services/web/deploy.hcl': deploy, 'services/web/values.hcl': values('1') },
      'web 1',
    );
    await open();

    let report = await engine.reconcile();
    expect(report.outcomes.map((o) => [o.deployId, o.status])).toEqual([['web-1', 'succeeded']]);
    expect(trace.next()).toEqual(['+migrate:1', '+deploy:1']);

    const c2 = repo.commit({ 'services/web/values.hcl': values('2') }, 'web 2');
    report = await engine.reconcile();
    expect(report.outcomes.map((o) => [o.deployId, o.status])).toEqual([['web-2', 'succeeded']]);
    expect(trace.next()).toEqual(['+migrate:2', '+deploy:2']);

    // A failing step unwinds its own deployment at once; web-2 stays current.
    repo.commit({ 'services/web/values.hcl': values('3') }, 'web 3');
    report = await engine.reconcile();
    expect(report.outcomes.map((o) => [o.deployId, o.status])).toEqual([['web-3', 'failed']]);
    expect(trace.next()).toEqual(['+migrate:3', '-migrate:3']);
    expect((await engine.state.service('web'))?.current).toBe('web-2');
    const failed = await engine.state.deployment('web-3');
    expect(failed?.steps.map((s) => s.status)).toEqual(['reversed', 'failed']);

    // Nothing pending: a second reconcile does nothing, and the failed commit is not retried.
    report = await engine.reconcile();
    expect(report.outcomes).toEqual([]);
    expect(trace.next()).toEqual([]);

    // Unwind twice walks back to nothing.
    let d = await engine.unwind('web', 'bob');
    expect(d.deploy_id).toBe('web-2');
    expect(d.status).toBe('unwound');
    expect(trace.next()).toEqual(['-deploy:2', '-migrate:2']);
    expect((await engine.state.service('web'))?.current).toBe('web-1');

    d = await engine.unwind('web', 'bob');
    expect(d.deploy_id).toBe('web-1');
    expect(trace.next()).toEqual(['-deploy:1', '-migrate:1']);
    expect((await engine.state.service('web'))?.current).toBeNull();
    await expectCode(engine.unwind('web', 'bob'), 'E_NOTHING_TO_UNWIND');

    // Redeploy twice walks forward again, from the recorded config commits.
    d = await engine.redeploy('web', 'carol');
    expect(d).toMatchObject({
      status: 'succeeded',
      redeploy_of: 'web-1',
      config_commit: c1,
      author: 'carol',
    });
    expect(trace.next()).toEqual(['+migrate:1', '+deploy:1']);

    d = await engine.redeploy('web', 'carol');
    expect(d).toMatchObject({ status: 'succeeded', redeploy_of: 'web-2', config_commit: c2 });
    expect(trace.next()).toEqual(['+migrate:2', '+deploy:2']);
    await expectCode(engine.redeploy('web', 'carol'), 'E_NOTHING_TO_REDEPLOY');

    // Unwound stays unwound: the branch still says version 3, but nothing reapplies it by itself.
    expect(await engine.reconcile()).toMatchObject({ outcomes: [] });
    const [status] = await engine.status();
    expect(status).toMatchObject({
      service: 'web',
      sync: 'out-of-sync',
      sync_reason: { code: 'redeployed', syncable: true },
      hold: null,
      current: { id: d.deploy_id, config_commit: c2 },
    });
  });

  it('refuses to unwind a replaced deployment and names what replaced it', async () => {
    const deploy = tracedService(trace, ['deploy']);
    repo.commit({ 'services/web/deploy.hcl': deploy, 'services/web/values.hcl': values('1') });
    await open();
    await engine.reconcile();
    repo.commit({ 'services/web/values.hcl': values('2') });
    await engine.reconcile();

    const err = await engine.unwind('web-1', 'bob').catch((e: unknown) => e);
    expect(isOrbitError(err, 'E_NOT_CURRENT')).toBe(true);
    expect((err as { data: unknown }).data).toMatchObject({ target: 'web-1', replacedBy: 'web-2' });
    await expectCode(engine.unwind('nope', 'bob'), 'E_UNKNOWN_SERVICE');
    await expectCode(engine.unwind('web-99', 'bob'), 'E_UNKNOWN_DEPLOYMENT');
    expect(trace.lines()).toEqual(['+deploy:1', '+deploy:2']);
  });

  it('unwinds the deployment a reverted commit started', async () => {
    const deploy = tracedService(trace, ['migrate', 'deploy']);
    repo.commit({ 'services/web/deploy.hcl': deploy, 'services/web/values.hcl': values('1') });
    await open();
    await engine.reconcile();
    const c2 = repo.commit({ 'services/web/values.hcl': values('2') }, 'web 2');
    await engine.reconcile();
    trace.next();

    const revert = repo.revert(c2);
    const report = await engine.reconcile();
    expect(report.outcomes).toMatchObject([
      { kind: 'revert', deployId: 'web-2', status: 'unwound', commit: revert },
    ]);
    expect(trace.next()).toEqual(['-deploy:2', '-migrate:2']);
    const web2 = await engine.state.deployment('web-2');
    expect(web2?.unwind).toMatchObject({ reason: 'revert', author: 'Ann Operator <ann@example.com>' });
    const [status] = await engine.status();
    // The revert restored web-1's files: synced, and held by the revert's unwind.
    expect(status).toMatchObject({
      current: { id: 'web-1' },
      sync: 'synced',
      branch_commit: revert,
      hold: { reason: 'revert', deploy_id: 'web-2' },
    });
  });

  it('rejects an invalid commit for one service while another still deploys', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['deploy']),
      'services/web/values.hcl': values('1'),
      'services/api/deploy.hcl': tracedService(trace, ['deploy']),
      'services/api/values.hcl': values('1'),
    });
    await open();
    await engine.reconcile();
    trace.next();

    const bad = repo.commit({
      'services/web/deploy.hcl': 'step {\n  name = "x"\n  agent = "exec"\n  forward = [var.nope]\n}\n',
      'services/api/values.hcl': values('2'),
    });
    const report = await engine.reconcile();
    const byService = Object.fromEntries(report.outcomes.map((o) => [o.service, o]));
    expect(byService.web).toMatchObject({ status: 'rejected', commit: bad });
    expect(byService.web?.error?.message).toMatch(/services\/web\/deploy\.hcl:4:\d+/);
    expect(byService.api).toMatchObject({ status: 'succeeded', deployId: 'api-2' });
    expect(trace.next()).toEqual(['+deploy:2']);

    const web = await engine.state.service('web');
    expect(web).toMatchObject({ current: 'web-1', rejected: { config_commit: bad } });
  });

  it('remembers where it left off across restarts', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['deploy']),
      'services/web/values.hcl': values('1'),
    });
    await open();
    await engine.reconcile();
    await engine.close();

    repo.commit({ 'services/web/values.hcl': values('2') });
    repo.commit({ 'README.md': 'docs only\n' });
    await open();
    const report = await engine.reconcile();
    expect(report.commits).toBe(2);
    expect(report.outcomes.map((o) => o.deployId)).toEqual(['web-2']);
    expect(trace.lines()).toEqual(['+deploy:1', '+deploy:2']);
    expect(await engine.state.cursor()).toBe(repo.git('rev-parse', 'HEAD'));
  });
});

/**
 * Deploys web-1 of a gated service (`deploy` wraps its deploy.hcl), then queues versions 2, 3
 * and 4 one poll at a time while web-2 is held by the gate, and returns their outcomes.
 */
async function threeCommitsBehindAGate(deploy: (gated: string) => string) {
  const gate = new Gate();
  repo.commit({
    'services/web/deploy.hcl': deploy(gatedService(trace, gate)),
    'services/web/values.hcl': values('1'),
  });
  await open();
  gate.open();
  await engine.reconcile();
  gate.close();
  repo.commit({ 'services/web/values.hcl': values('2') });
  const first = await engine.poll(); // web-2 is running, held by the gate
  repo.commit({ 'services/web/values.hcl': values('3') });
  const second = await engine.poll();
  repo.commit({ 'services/web/values.hcl': values('4') });
  const third = await engine.poll();
  gate.open();
  return (await Promise.all([first.done, second.done, third.done])).flat();
}

describe('deploy streams policy', () => {
  it('supersede: of several waiting commits only the newest deploys; the rest are logged as skipped', async () => {
    // The deploy step waits for a gate file, so the commits queue behind a running deployment.
    // Commits arriving one by one: 3 waits behind the running 2, and 4 replaces it.
    const outcomes = await threeCommitsBehindAGate((gated) => `policy = "supersede"\n${gated}`);
    expect(outcomes.map((o) => [o.deployId, o.status])).toEqual([
      ['web-2', 'succeeded'],
      ['web-3', 'skipped'],
      ['web-4', 'succeeded'],
    ]);
    expect(trace.lines()).toEqual(['+deploy:1', '+deploy:2', '+deploy:4']);
    expect((await engine.state.deployment('web-3'))?.status).toBe('skipped');
    expect(await engine.state.cursor()).toBe(repo.git('rev-parse', 'HEAD'));

    // Commits arriving together count as arriving at once: only the newest deploys.
    for (const v of ['5', '6', '7']) repo.commit({ 'services/web/values.hcl': values(v) }, `web ${v}`);
    const report = await engine.reconcile();
    expect(report.outcomes.map((o) => [o.deployId, o.status])).toEqual([
      ['web-5', 'skipped'],
      ['web-6', 'skipped'],
      ['web-7', 'succeeded'],
    ]);
    expect(trace.lines().slice(3)).toEqual(['+deploy:7']);
  });

  it('queue (the default): every commit deploys, in order', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['deploy']),
      'services/web/values.hcl': values('1'),
    });
    await open();
    await engine.reconcile();
    for (const v of ['2', '3']) repo.commit({ 'services/web/values.hcl': values(v) }, `web ${v}`);
    const report = await engine.reconcile();
    expect(report.outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
    expect(trace.lines()).toEqual(['+deploy:1', '+deploy:2', '+deploy:3']);
  });

  it('queue: commits waiting together behind a running deployment each deploy, oldest first', async () => {
    // Two deploys wait at once (the gate holds web-2), so running them out of order would show.
    const outcomes = await threeCommitsBehindAGate((gated) => gated);
    expect(outcomes.map((o) => [o.deployId, o.status])).toEqual([
      ['web-2', 'succeeded'],
      ['web-3', 'succeeded'],
      ['web-4', 'succeeded'],
    ]);
    expect(trace.lines()).toEqual(['+deploy:1', '+deploy:2', '+deploy:3', '+deploy:4']);
  });

  it('drain: the running deployment finishes; queued commits wait for the next start', async () => {
    const gate = new Gate();
    const deploy = gatedService(trace, gate);
    repo.commit({ 'services/web/deploy.hcl': deploy, 'services/web/values.hcl': values('1') });
    repo.commit({ 'services/web/values.hcl': values('2') });
    await open();
    const polled = await engine.poll(); // a first run deploys web once, at the head (version 2)
    gate.open();
    await polled.done;
    gate.close();
    expect(trace.next()).toEqual(['+deploy:2']);

    repo.commit({ 'services/web/values.hcl': values('3') });
    const c4 = repo.commit({ 'services/web/values.hcl': values('4') });
    const second = await engine.poll(); // web-2 runs (held by the gate), web-3 waits
    engine.drain();
    gate.open();
    const outcomes = await second.done;
    expect(outcomes.map((o) => o.status)).toEqual(['succeeded', 'deferred']);
    expect(trace.next()).toEqual(['+deploy:3']);
    expect(await engine.state.cursor()).not.toBe(c4);
    await engine.close();

    await open();
    const report = await engine.reconcile();
    expect(report.outcomes.map((o) => [o.deployId, o.status])).toEqual([['web-3', 'succeeded']]);
    expect(trace.next()).toEqual(['+deploy:4']);
    expect(await engine.state.cursor()).toBe(c4);
  });
});

describe('a force-pushed config branch', () => {
  it('stops Orbit until someone accepts the new history, which then deploys what differs', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['deploy']),
      'services/web/values.hcl': values('1'),
      'services/api/deploy.hcl': tracedService(trace, ['deploy']),
      'services/api/values.hcl': values('1'),
    });
    const base = repo.git('rev-parse', 'HEAD');
    await open();
    await engine.reconcile();
    repo.commit({ 'services/web/values.hcl': values('2') });
    await engine.reconcile();
    trace.next();

    // History rewritten: web 2 is gone, web 3 is there instead; api is unchanged.
    repo.git('reset', '-q', '--hard', base);
    const rewritten = repo.commit({ 'services/web/values.hcl': values('3') });
    await expectCode(engine.reconcile(), 'E_CONFIG_REWRITTEN');
    expect(trace.next()).toEqual([]);
    await engine.close();

    await open();
    const report = await engine.reconcile({ acceptRewrite: true });
    expect(report.outcomes.map((o) => [o.service, o.deployId, o.status])).toEqual([
      ['web', 'web-3', 'succeeded'],
    ]);
    expect(trace.next()).toEqual(['+deploy:3']);
    expect(await engine.state.cursor()).toBe(rewritten);
    const recent = [];
    for await (const item of engine.state.history({ limit: 10 })) recent.push(item.entry);
    expect(recent.find((e) => e.kind === 'commit-seen')).toMatchObject({
      config_commit: rewritten,
      reason: expect.stringMatching(/rewritten history accepted/),
    });
    // From here on, ordinary commits on the new history.
    repo.commit({ 'services/api/values.hcl': values('2') });
    expect((await engine.reconcile()).outcomes.map((o) => o.deployId)).toEqual(['api-2']);
  });
});
