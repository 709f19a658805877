import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

let repo: ConfigRepo;
let trace: Trace;
let daemon: TestDaemon;

beforeAll(async () => {
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit({
    'services/web/deploy.hcl': tracedService(trace, ['migrate', 'deploy']),
    'services/web/values.hcl': values('1'),
  });
  daemon = await startTestDaemon({ repo: repo.dir, 'body-limit': 1024 });
  await waitFor('web-1', async () => (await daemon.engine.state.service('web'))?.current === 'web-1');
  repo.commit({ 'services/web/values.hcl': values('2') });
  await waitFor('web-2', async () => (await daemon.engine.state.service('web'))?.current === 'web-2');
});

afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
});

describe('reading', () => {
  it('GET /api/services lists each service with its status and the sync state', async () => {
    const r = await api(daemon, 'GET', '/api/services');
    expect(r.status).toBe(200);
    expect(r.body.services).toEqual([
      expect.objectContaining({
        service: 'web',
        current: expect.objectContaining({ id: 'web-2', status: 'succeeded', values: { version: '2' } }),
        redeployable: null,
        in_flight: null,
        rejected: null,
        sync: 'synced',
        sync_reason: null,
        health: 'healthy',
        hold: null,
      }),
    ]);
    expect(r.body.sync).toMatchObject({ branch: 'main', error: null, head: repo.git('rev-parse', 'HEAD') });
    expect(r.body.waiting_acks).toEqual([]);
    expect(r.body.problems).toEqual([]);
  });

  it('GET /api/services/:service shows the current deployment, the chain back and sync', async () => {
    const r = await api(daemon, 'GET', '/api/services/web');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      service: 'web',
      sync: 'synced',
      health: 'healthy',
      current: { id: 'web-2' },
      view: { current: 'web-2' },
    });
    expect(r.body.chain.map((d: { deploy_id: string }) => d.deploy_id)).toEqual(['web-2', 'web-1']);
  });

  it('GET /api/services/:service/history returns log entries, newest first, limited', async () => {
    const r = await api(daemon, 'GET', '/api/services/web/history?limit=3');
    expect(r.status).toBe(200);
    expect(r.body.entries).toHaveLength(3);
    expect(r.body.entries[0]).toMatchObject({
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      entry: { kind: 'deploy-succeeded', deploy_id: 'web-2' },
    });
    expect((await api(daemon, 'GET', '/api/services/web/history?limit=0')).status).toBe(400);
  });

  it('GET /api/deployments/:id returns steps with outputs and logs', async () => {
    const r = await api(daemon, 'GET', '/api/deployments/web-1');
    expect(r.status).toBe(200);
    expect(r.body.deployment).toMatchObject({
      deploy_id: 'web-1',
      status: 'succeeded',
      replaced_by: 'web-2',
    });
    expect(
      r.body.deployment.steps.map((s: { step_name: string; status: string }) => [s.step_name, s.status]),
    ).toEqual([
      ['migrate', 'applied'],
      ['deploy', 'applied'],
    ]);
    expect(r.body.deployment.steps[0]).toHaveProperty('log');
    expect(r.body.deployment.steps[0]).toHaveProperty('outputs');
  });

  it('unknown services, deployments and routes are 404 with a code', async () => {
    expect(await api(daemon, 'GET', '/api/deployments/web-99')).toMatchObject({
      status: 404,
      body: { error: { code: 'E_UNKNOWN_DEPLOYMENT' } },
    });
    expect(await api(daemon, 'GET', '/api/services/nope')).toMatchObject({
      status: 404,
      body: { error: { code: 'E_UNKNOWN_SERVICE' } },
    });
    expect(await api(daemon, 'GET', '/api/services/nope/history')).toMatchObject({
      status: 404,
      body: { error: { code: 'E_UNKNOWN_SERVICE' } },
    });
    expect(await api(daemon, 'GET', '/api/nothing')).toMatchObject({
      status: 404,
      body: { error: { code: 'E_NOT_FOUND' } },
    });
  });

  it('/healthz and /metrics', async () => {
    const h = await api(daemon, 'GET', '/healthz');
    expect(h).toMatchObject({
      status: 200,
      body: { status: 'ok', mode: 'watch', branch: 'main', queue_depth: 0 },
    });
    const m = await api(daemon, 'GET', '/metrics');
    expect(m.status).toBe(200);
    const text = m.body as string;
    for (const name of [
      'orbit_deployments_total{outcome="succeeded"} 2',
      'orbit_steps_total{outcome="applied"} 4',
      'orbit_step_duration_seconds_bucket',
      'orbit_queue_depth 0',
      'orbit_last_reconcile_timestamp_seconds',
      'orbit_process_resident_memory_bytes',
    ])
      expect(text).toContain(name);
  });
});

describe('changing', () => {
  it('refuses a state change without a token or with a wrong one (401), and runs nothing', async () => {
    for (const token of [null, 'wrong']) {
      const r = await api(daemon, 'POST', '/api/services/web/unwind', { token });
      expect(r).toMatchObject({ status: 401, body: { error: { code: 'E_UNAUTHORIZED' } } });
    }
    expect((await daemon.engine.state.service('web'))?.current).toBe('web-2');
  });

  it('never writes a token given in the query string to its log', async () => {
    const secret = 'leaked-in-query-9f2e';
    for (const route of [
      `/api/services/web/unwind?token=${secret}`,
      `/api/services/web/redeploy?access_token=${secret}&x=1`,
      `/api/nope?sig=${secret}`,
    ]) {
      const r = await api(daemon, 'POST', route, { token: null });
      expect([401, 404]).toContain(r.status);
    }
    const lines = await waitFor('the three request lines', () => {
      const found = daemon.logs.filter(
        (l) => l.msg === 'http request' && /[?&](token|access_token|sig)=/.test(String(l.url)),
      );
      return found.length === 3 ? found : null;
    });
    expect(lines.map((l) => l.url)).toEqual([
      '/api/services/web/unwind?token=(sensitive:token)',
      '/api/services/web/redeploy?access_token=(sensitive:access_token)&x=(sensitive:x)',
      '/api/nope?sig=(sensitive:sig)',
    ]);
    expect(JSON.stringify(daemon.logs)).not.toContain(secret);
  });

  it('malformed, oversized or wrongly typed bodies get 400 / 413 / 415', async () => {
    expect(await api(daemon, 'POST', '/api/services/web/unwind', { raw: '{"author":' })).toMatchObject({
      status: 400,
      body: { error: { code: 'E_BAD_REQUEST' } },
    });
    expect(await api(daemon, 'POST', '/api/services/web/unwind', { body: { author: 42 } })).toMatchObject({
      status: 400,
      body: { error: { code: 'E_BAD_REQUEST' } },
    });
    expect(await api(daemon, 'POST', '/api/services/web/unwind', { body: { surprise: true } })).toMatchObject(
      {
        status: 400,
        body: { error: { code: 'E_BAD_REQUEST' } },
      },
    );
    expect(
      await api(daemon, 'POST', '/api/services/web/unwind', { body: { author: 'x'.repeat(5000) } }),
    ).toMatchObject({
      status: 413,
      body: { error: { code: 'E_PAYLOAD_TOO_LARGE' } },
    });
    expect(
      await api(daemon, 'POST', '/api/services/web/unwind', {
        raw: '<x/>',
        headers: { 'content-type': 'application/xml' },
      }),
    ).toMatchObject({ status: 415, body: { error: { code: 'E_UNSUPPORTED_MEDIA_TYPE' } } });
    expect((await daemon.engine.state.service('web'))?.current).toBe('web-2');
    trace.next();
  });

  it('unwinds and redeploys with the token, and maps engine errors to statuses', async () => {
    const u = await api(daemon, 'POST', '/api/services/web/unwind', { body: { author: 'bob' } });
    expect(u).toMatchObject({
      status: 200,
      body: { deployment: { deploy_id: 'web-2', status: 'unwound', unwind: { author: 'bob' } } },
    });
    expect(trace.next()).toEqual(['-deploy:2', '-migrate:2']);

    // Not current any more: 409 with the engine's code.
    const stale = await api(daemon, 'POST', '/api/services/web/unwind', { body: { deployment: 'web-2' } });
    expect(stale).toMatchObject({ status: 409, body: { error: { code: 'E_NOT_CURRENT' } } });

    const r = await api(daemon, 'POST', '/api/services/web/redeploy');
    expect(r).toMatchObject({
      status: 200,
      body: { deployment: { deploy_id: 'web-3', status: 'succeeded', redeploy_of: 'web-2', author: 'api' } },
    });
    expect(await api(daemon, 'POST', '/api/services/web/redeploy')).toMatchObject({
      status: 409,
      body: { error: { code: 'E_NOTHING_TO_REDEPLOY' } },
    });
    expect(await api(daemon, 'POST', '/api/services/nope/unwind')).toMatchObject({
      status: 404,
      body: { error: { code: 'E_UNKNOWN_SERVICE' } },
    });
    expect(await api(daemon, 'POST', '/api/deployments/web-3/ack', { body: { author: 'al' } })).toMatchObject(
      {
        status: 409,
        body: { error: { code: 'E_NOTHING_TO_ACK' } },
      },
    );
    // The author is the caller's identity: a body without one is as good (the shared token: `api`).
    expect(await api(daemon, 'POST', '/api/deployments/web-3/ack', { body: {} })).toMatchObject({
      status: 409,
      body: { error: { code: 'E_NOTHING_TO_ACK' } },
    });
  });
});
