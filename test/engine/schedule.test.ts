/**
 * Schedule windows with a controllable clock (the engine's `now`): nothing here sleeps for a
 * window. Real config repositories, real steps, the real state branch.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import { waitingState } from '../../src/engine/schedule/waiting.js';
import { ConfigRepo, Trace, execStep, traceLine } from '../support/config-repo.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from '../daemon/helpers.js';

let repo: ConfigRepo;
let trace: Trace;
let engine: Engine | undefined;
let clock: Date;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  clock = new Date('2026-12-01T08:00:00Z'); // a Tuesday, 09:00 in Berlin
});

afterEach(async () => {
  await engine?.close();
  engine = undefined;
  repo.remove();
});

// Weekdays 10:00-16:59 Berlin; frozen over Christmas.
const ORBIT_HCL = `schedule {
  timezone = "Europe/Berlin"
  allow    = ["* 10-16 * * 1-5"]
  deny     = ["2026-12-20..2027-01-04"]
}
`;

const service = (version: string, policy = 'queue') => ({
  'orbit.hcl': ORBIT_HCL,
  'services/web/deploy.hcl': `policy = "${policy}"\n${execStep(trace, 'deploy', traceLine(`+${version}`), traceLine(`-${version}`))}\n`,
});

async function open(): Promise<Engine> {
  engine = await openEngine({ repoDir: repo.dir, now: () => clock });
  return engine;
}

describe('schedule windows', () => {
  it('a deployment outside its window waits, and starts with the next reconcile once the window opens', async () => {
    repo.commit(service('v1'));
    const e = await open();
    const first = await e.reconcile();
    expect(first.outcomes).toMatchObject([{ deployId: 'web-1', status: 'waiting-window' }]);
    expect(trace.lines()).toEqual([]);
    expect(await e.state.deployment('web-1')).toMatchObject({
      status: 'waiting-window',
      window: { opens_at: '2026-12-01T09:00:00.000Z' },
    });
    expect(await waitingState(e.state, 'web')).toMatchObject({
      waiting: true,
      deployments: ['web-1'],
      opens_at: '2026-12-01T09:00:00.000Z',
    });
    expect(repo.git('log', '-1', '--format=%s', 'orbit/state')).toBe(
      'config commit ' + repo.git('rev-parse', '--short=7', 'HEAD') + ' seen',
    );
    expect(repo.git('log', '--format=%s', 'orbit/state')).toContain(
      'web-1: waiting for its window (opens 2026-12-01T09:00:00.000Z',
    );

    // Status says why the branch is not deployed, when it will be, and how to start it now.
    const [web] = await e.status();
    expect(web).toMatchObject({
      service: 'web',
      sync: 'out-of-sync',
      sync_reason: { code: 'waiting-window' },
    });
    expect(web!.sync_reason!.message).toContain('web-1');
    expect(web!.sync_reason!.message).toContain('opens 2026-12-01T09:00:00.000Z');
    expect(web!.sync_reason!.message).toContain('orbit deploy web --override-window --reason');

    // Still closed: nothing happens.
    clock = new Date('2026-12-01T08:59:00Z');
    expect((await e.reconcile()).outcomes.filter((o) => o.status !== 'noop')).toEqual([]);
    clock = new Date('2026-12-01T09:00:00Z');
    const second = await e.reconcile();
    expect(second.outcomes).toMatchObject([{ deployId: 'web-1', status: 'succeeded' }]);
    expect(trace.lines()).toEqual(['+v1']);
    expect((await e.state.service('web'))?.waiting).toEqual([]);
    expect((await e.status())[0]).toMatchObject({ sync: 'synced', health: 'healthy' });
  });

  it('a freeze holds a deployment until the day after it ends', async () => {
    clock = new Date('2026-12-22T10:00:00Z');
    repo.commit(service('v1'));
    const e = await open();
    await e.reconcile();
    const d = await e.state.deployment('web-1');
    expect(d?.status).toBe('waiting-window');
    expect(d?.window?.reason).toContain('frozen by deny 2026-12-20T00:00..2027-01-05T00:00');
    expect(d?.window?.opens_at).toBe('2027-01-05T09:00:00.000Z');
  });

  it('an override starts it now, recorded with who and why', async () => {
    repo.commit(service('v1'));
    const e = await open();
    await e.reconcile();
    const d = await e.overrideWindow('web', 'Ann <ann@example.com>', 'hotfix for INC-42');
    expect(d.status).toBe('succeeded');
    expect(d.deploy_id).toBe('web-1');
    expect(d.window?.overridden).toMatchObject({ by: 'Ann <ann@example.com>', reason: 'hotfix for INC-42' });
    expect(repo.git('log', '--format=%s', 'orbit/state')).toContain(
      'web-1: window overridden by Ann (hotfix for INC-42)',
    );
    await expect(e.overrideWindow('web', 'ann', 'again')).rejects.toMatchObject({
      code: 'E_NOTHING_WAITING',
    });
  });

  it('unwinds are never held by a window: a revert and an unwind by hand, inside a freeze', async () => {
    clock = new Date('2026-12-01T10:00:00Z');
    repo.commit(service('v1'));
    const e = await open();
    await e.reconcile();
    const v2 = repo.commit(service('v2'));
    expect((await e.reconcile()).outcomes).toMatchObject([{ deployId: 'web-2', status: 'succeeded' }]);
    clock = new Date('2026-12-24T12:00:00Z');
    repo.revert(v2);
    expect((await e.reconcile()).outcomes).toMatchObject([{ kind: 'revert', status: 'unwound' }]);
    expect((await e.unwind('web', 'bob')).status).toBe('unwound');
    expect(trace.lines()).toEqual(['+v1', '+v2', '-v2', '-v1']);
  });

  it('under supersede, a newer commit replaces the one waiting', async () => {
    repo.commit(service('v1', 'supersede'));
    const e = await open();
    await e.reconcile();
    repo.commit(service('v2', 'supersede'));
    const second = await e.reconcile();
    expect(second.outcomes).toMatchObject([{ deployId: 'web-2', status: 'waiting-window' }]);
    expect(await e.state.deployment('web-1')).toMatchObject({ status: 'skipped' });
    expect((await e.state.service('web'))?.waiting).toEqual(['web-2']);
    clock = new Date('2026-12-01T09:30:00Z');
    await e.reconcile();
    expect(trace.lines()).toEqual(['+v2']);
  });

  it('under queue, commits that waited deploy in order when the window opens', async () => {
    repo.commit(service('v1'));
    const e = await open();
    await e.reconcile();
    repo.commit(service('v2'));
    await e.reconcile();
    expect((await e.state.service('web'))?.waiting).toEqual(['web-1', 'web-2']);
    clock = new Date('2026-12-01T09:30:00Z');
    await e.reconcile();
    expect(trace.lines()).toEqual(['+v1', '+v2']);
    expect((await e.state.service('web'))?.current).toBe('web-2');
  });
});

describe('the daemon', () => {
  let daemon: TestDaemon | undefined;
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
  });

  it('starts a waiting deployment by itself when its window opens', async () => {
    repo.commit(service('v1'));
    daemon = await startTestDaemon({ repo: repo.dir }, {}, undefined, { now: () => clock, windowTickMs: 20 });
    await waitFor(
      'web-1 waiting',
      async () => (await daemon!.engine.state.deployment('web-1'))?.status === 'waiting-window',
    );
    clock = new Date('2026-12-01T09:00:00Z');
    await waitFor(
      'web-1 deployed',
      async () => (await daemon!.engine.state.deployment('web-1'))?.status === 'succeeded',
    );
    expect(trace.lines()).toEqual(['+v1']);
  });

  it('overrides a window through the API, with the reason (what orbit deploy sends when a daemon runs)', async () => {
    repo.commit(service('v1'));
    daemon = await startTestDaemon({ repo: repo.dir }, {}, undefined, {
      now: () => clock,
      windowTickMs: 60_000,
    });
    await waitFor(
      'web-1 waiting',
      async () => (await daemon!.engine.state.deployment('web-1'))?.status === 'waiting-window',
    );
    const route = '/api/services/web/deploy';
    expect(
      (await api(daemon, 'POST', route, { body: { author: 'ann', override_window: true } })).status,
    ).toBe(400);
    expect(
      (await api(daemon, 'POST', route, { body: { reason: 'x', override_window: true }, token: null }))
        .status,
    ).toBe(401);
    const r = await api(daemon, 'POST', route, {
      body: { author: 'ann', reason: 'hotfix', override_window: true },
    });
    expect(r.status).toBe(200);
    expect(r.body.deployment).toMatchObject({
      deploy_id: 'web-1',
      status: 'succeeded',
      window: { overridden: { by: 'ann', reason: 'hotfix' } },
    });
    const again = await api(daemon, 'POST', route, {
      body: { author: 'ann', reason: 'hotfix', override_window: true },
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'E_NOTHING_WAITING' } } });
  });
});
