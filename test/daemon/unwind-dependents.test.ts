/** `orbit unwind db --with-dependents` through the daemon's API: the refusal (409) and the flag. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigRepo, Trace } from '../support/config-repo.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

let repo: ConfigRepo;
let trace: Trace;
let daemon: TestDaemon;

const service = (name: string, deps: string[]) =>
  `${deps.length ? `depends_on = [${deps.map((d) => `"${d}"`).join(', ')}]\n` : ''}step {
  name    = "go"
  agent   = "exec"
  forward = ["sh", "-c", "echo +${name} >> $TRACE"]
  reverse = ["sh", "-c", "echo -${name} >> $TRACE"]
  env     = { TRACE = "${trace.file}" }
}
`;

beforeAll(async () => {
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit({
    'services/db/deploy.hcl': service('db', []),
    'services/api/deploy.hcl': service('api', ['db']),
  });
  daemon = await startTestDaemon({ repo: repo.dir });
  await waitFor('api-1', async () => (await daemon.engine.state.service('api'))?.current === 'api-1');
});

afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
});

describe('POST /api/services/:service/unwind with dependents', () => {
  it('refuses with 409 E_HAS_DEPENDENTS; with_dependents unwinds the dependent first', async () => {
    expect(trace.next()).toEqual(['+db', '+api']);
    const refused = await api(daemon, 'POST', '/api/services/db/unwind', { body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'E_HAS_DEPENDENTS' } });
    expect(trace.next()).toEqual([]);

    const done = await api(daemon, 'POST', '/api/services/db/unwind', { body: { with_dependents: true } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.deployment).toMatchObject({ deploy_id: 'db-1', status: 'unwound' });
    expect(trace.next()).toEqual(['-api', '-db']);
  });

  it('refuses a with_dependents that is not a boolean (400)', async () => {
    const r = await api(daemon, 'POST', '/api/services/db/unwind', { body: { with_dependents: 'yes' } });
    expect(r.status).toBe(400);
  });
});
