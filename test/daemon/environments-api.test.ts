/**
 * A service in an environment through the daemon's API by its one name, `<name>@<env>`: read,
 * unwind, and a token limited to one environment by a service glob (`*@staging`).
 */
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
    'services/api/deploy.hcl': tracedService(trace, ['release']),
    'environments/staging/services/api/values.hcl': values('s1'),
    'environments/prod/services/api/values.hcl': values('p1'),
  });
  daemon = await startTestDaemon({ repo: repo.dir });
  await waitFor(
    'both environments deployed',
    async () => {
      const [s, p] = await Promise.all([
        daemon.engine.state.service('api@staging'),
        daemon.engine.state.service('api@prod'),
      ]);
      return s?.current === 'api@staging-1' && p?.current === 'api@prod-1';
    },
    60_000,
  );
});

afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
});

describe('the API names a service in an environment <name>@<env>', () => {
  it('lists and reads it', async () => {
    const all = await api(daemon, 'GET', '/api/services');
    expect(all.body.services.map((s: { service: string }) => s.service)).toEqual(['api@prod', 'api@staging']);
    const one = await api(daemon, 'GET', `/api/services/${encodeURIComponent('api@prod')}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ service: 'api@prod', current: { id: 'api@prod-1' } });
    const dep = await api(daemon, 'GET', '/api/deployments/api@prod-1');
    expect(dep.status).toBe(200);
    expect(dep.body.deployment ?? dep.body).toMatchObject({
      deploy_id: 'api@prod-1',
      service_id: 'api@prod',
    });
  });

  it('unwinds one environment, leaving the other', async () => {
    const r = await api(daemon, 'POST', '/api/services/api@staging/unwind', {
      body: { author: 'Ann <ann@example.com>' },
    });
    expect(r.status).toBe(200);
    expect((await daemon.engine.state.service('api@staging'))?.current).toBeNull();
    expect((await daemon.engine.state.service('api@prod'))?.current).toBe('api@prod-1');
  });

  it('refuses a hostile name as a bad request, not a read of another path', async () => {
    for (const name of ['api@..', 'api@prod%2F..%2F..', '..%2Fapi@prod']) {
      const r = await api(daemon, 'GET', `/api/services/${name}`);
      expect([400, 404]).toContain(r.status);
      expect(r.body.service).toBeUndefined();
    }
  });
});
