/**
 * Self-heal (`settings { self_heal = true }`) in a real daemon: it brings back a redeploy away
 * from the branch and an interrupted deployment recovery no longer retries, and it never touches
 * a held service, also after a restart. Plus the API's sync and health answers for a step that
 * waits for an approval, and the sync/release routes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SELF_HEAL_AUTHOR } from '../../src/engine/self-heal.js';
import { ConfigRepo, Gate, Trace, tracedService, values } from '../support/config-repo.js';
import { interruptedThrice } from '../support/interrupted.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

let repo: ConfigRepo;
let trace: Trace;
let gate: Gate;
let daemon: TestDaemon | null;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  gate = new Gate();
  daemon = null;
});

afterEach(async () => {
  gate.open();
  await daemon?.stop();
  repo.remove();
});

const SELF_HEAL = 'settings {\n  self_heal         = true\n  self_heal_backoff = "50ms"\n}\n';

const web = (version: string) => ({
  'services/web/deploy.hcl': tracedService(trace, ['deploy']),
  'services/web/values.hcl': values(version),
});

async function serviceStatus(service = 'web') {
  const r = await api(daemon!, 'GET', '/api/services');
  return (r.body.services as Array<Record<string, unknown>>).find((s) => s.service === service)!;
}

/** A cheap wait (the log's view in memory), so waiting does not itself slow the daemon down. */
const current = async () => (await daemon!.engine.state.service('web'))?.current ?? null;

const deployedBy = async (id: string) => (await daemon!.engine.state.deployment(id))?.author;

describe('self-heal', () => {
  it('never touches a held service, also after a restart', async () => {
    repo.commit({ 'orbit.hcl': SELF_HEAL, ...web('1') });
    repo.commit(web('2'));
    daemon = await startTestDaemon({ repo: repo.dir });
    await waitFor('web-1 deployed', async () => (await current()) === 'web-1');
    expect(await serviceStatus()).toMatchObject({ sync: 'synced', health: 'healthy' });
    trace.next();

    // Unwound stays unwound: the unwind holds the service, and self-heal leaves it alone.
    expect((await api(daemon, 'POST', '/api/services/web/unwind', { body: { author: 'bob' } })).status).toBe(
      200,
    );
    expect(await daemon.engine.selfHeal()).toEqual([]);
    expect(await serviceStatus()).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'unwound' },
      hold: { reason: 'user', author: 'bob', deploy_id: 'web-1' },
      current: null,
    });

    // The hold is on the state branch: a new daemon keeps it, and its self-heal leaves it alone too.
    await daemon.stop();
    daemon = await startTestDaemon({ repo: repo.dir });
    expect(await daemon.engine.selfHeal()).toEqual([]);
    expect(await serviceStatus()).toMatchObject({ hold: { reason: 'user', author: 'bob' }, current: null });
    expect(trace.next()).toEqual(['-deploy:2']);

    // A redeploy lifts the hold; it re-applies web-1 (version 2): the branch's, so nothing to heal.
    await api(daemon, 'POST', '/api/services/web/redeploy', { body: { author: 'carol' } });
    expect(await serviceStatus()).toMatchObject({ sync: 'synced', hold: null, current: { id: 'web-2' } });
  });

  it('brings back a redeploy away from the branch', async () => {
    repo.commit({ 'orbit.hcl': SELF_HEAL, ...web('1') });
    daemon = await startTestDaemon({ repo: repo.dir });
    await waitFor('web-1 deployed', async () => (await current()) === 'web-1');
    repo.commit(web('2'));
    await waitFor('web-2 deployed', async () => (await current()) === 'web-2');
    // Unwind both, then redeploy what was first: version 1 runs, the branch says 2.
    await api(daemon, 'POST', '/api/services/web/unwind', { body: { author: 'bob' } });
    await api(daemon, 'POST', '/api/services/web/unwind', { body: { author: 'bob' } });
    trace.next();
    const r = await api(daemon, 'POST', '/api/services/web/redeploy', { body: { author: 'carol' } });
    expect(r.body.deployment).toMatchObject({
      deploy_id: 'web-3',
      redeploy_of: 'web-1',
      status: 'succeeded',
    });
    await waitFor('self-heal deployed the branch head', async () => (await current()) === 'web-4');
    expect(await serviceStatus()).toMatchObject({
      sync: 'synced',
      current: { id: 'web-4', author: SELF_HEAL_AUTHOR, values: { version: '2' } },
    });
    expect(trace.next()).toEqual(['+deploy:1', '+deploy:2']);
    expect(daemon.entries.find((e) => e.kind === 'deploy-started' && e.deploy_id === 'web-4')).toMatchObject({
      reason: 'self-heal',
      author: SELF_HEAL_AUTHOR,
    });
    expect(await deployedBy('web-3')).toBe('carol');
  });

  it('retries an interrupted deployment that recovery no longer retries', async () => {
    await interruptedThrice(repo, trace, gate, { 'orbit.hcl': SELF_HEAL });
    gate.open();
    // Polls often, so the pass after the back-off comes soon.
    daemon = await startTestDaemon({ repo: repo.dir, 'poll-interval': '200ms' });
    const healed = await waitFor('self-heal retried it', async () => {
      const d = await daemon!.engine.state.deployment('web-4');
      return d?.status === 'succeeded' ? d : null;
    });
    expect(healed).toMatchObject({ retry_of: 'web-3', author: SELF_HEAL_AUTHOR });
    expect(await serviceStatus()).toMatchObject({
      sync: 'synced',
      health: 'healthy',
      current: { id: 'web-4' },
    });
  });
});

describe('the API', () => {
  it('says who may approve a waiting step, and until when', async () => {
    repo.commit({
      'services/web/deploy.hcl': `variable "version" {}\nstep {\n  name      = "approve"\n  agent     = "ack"\n  approvers = ["alice"]\n  timeout   = "30s"\n}\n`,
      'services/web/values.hcl': values('1'),
    });
    daemon = await startTestDaemon({ repo: repo.dir });
    await waitFor('web waiting for approval', () => (daemon!.engine.options.acks?.all().length ?? 0) > 0);
    const s = await serviceStatus();
    expect(s.health).toBe('waiting-approval');
    const reason = s.health_reason as { since: string; until: string };
    expect(s).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'in-progress' },
      health_reason: {
        deployment: 'web-1',
        step: { name: 'approve' },
        approvers: ['alice'],
        run: 'orbit ack web-1',
      },
    });
    expect(Date.parse(reason.until) - Date.parse(reason.since)).toBe(30_000);
    await api(daemon, 'POST', '/api/deployments/web-1/ack', { body: { author: 'alice' } });
    await waitFor('web-1 deployed', async () => (await current()) === 'web-1');
    expect(await serviceStatus()).toMatchObject({ sync: 'synced', health: 'healthy' });
  });

  it('syncs and releases through POST routes guarded by the token; unknown services are 404', async () => {
    repo.commit(web('1'));
    daemon = await startTestDaemon({ repo: repo.dir });
    await waitFor('web-1 deployed', async () => (await current()) === 'web-1');
    await api(daemon, 'POST', '/api/services/web/unwind', { body: { author: 'bob' } });

    expect(await api(daemon, 'POST', '/api/services/web/sync', { body: {}, token: null })).toMatchObject({
      status: 401,
    });
    expect(await api(daemon, 'POST', '/api/services/web/sync', { body: { author: 'carol' } })).toMatchObject({
      status: 409,
      body: { error: { code: 'E_SERVICE_HELD' } },
    });
    expect(await api(daemon, 'POST', '/api/services/nope/release', { body: {} })).toMatchObject({
      status: 404,
      body: { error: { code: 'E_UNKNOWN_SERVICE' } },
    });
    const r = await api(daemon, 'POST', '/api/services/web/release', { body: { author: 'carol' } });
    expect(r).toMatchObject({
      status: 200,
      body: {
        result: {
          action: 'deployed',
          released: true,
          deployment: { deploy_id: 'web-2', status: 'succeeded' },
        },
      },
    });
    expect(await api(daemon, 'POST', '/api/sync', { body: { author: 'carol' } })).toMatchObject({
      status: 200,
      body: { results: [] },
    });
  });
});
