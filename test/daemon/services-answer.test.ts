/**
 * `GET /api/services` keeps its serialised answer between requests (src/daemon/services-answer.ts):
 * what changes the status of a service must change the answer, whichever way it comes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

let repo: ConfigRepo;
let trace: Trace;
let daemon: TestDaemon;

interface Listed {
  service: string;
  branch_commit: string | null;
  current: { id: string } | null;
}
const list = async (): Promise<Listed[]> => (await api(daemon, 'GET', '/api/services')).body.services;
const web = async () => (await list()).find((s) => s.service === 'web')!;

beforeAll(async () => {
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit({
    'services/web/deploy.hcl': tracedService(trace, ['deploy']),
    'services/web/values.hcl': values('1'),
  });
  daemon = await startTestDaemon({ repo: repo.dir });
  await waitFor('web-1', async () => (await daemon.engine.state.service('web'))?.current === 'web-1');
});

afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
});

describe('the kept /api/services answer', () => {
  it('answers the same bytes while nothing changed', async () => {
    const a = await api(daemon, 'GET', '/api/services');
    const b = await api(daemon, 'GET', '/api/services');
    expect(JSON.stringify(b.body.services)).toBe(JSON.stringify(a.body.services));
    expect(a.body.services[0]).toMatchObject({ service: 'web', current: { id: 'web-1' } });
  });

  it('shows a deployment appended to the state log', async () => {
    expect((await web()).current?.id).toBe('web-1');
    repo.commit({ 'services/web/values.hcl': values('2') });
    // The answer asked for here is the one kept until the log changes.
    await waitFor('web-2 in the answer', async () => (await web()).current?.id === 'web-2');
    expect((await daemon.engine.state.service('web'))?.current).toBe('web-2');
  });

  it('shows a config commit at once, before the daemon processes it', async () => {
    await daemon.engine.idle();
    const before = await web();
    expect(before.branch_commit).toBe(repo.git('rev-parse', 'HEAD'));
    // A new service on the branch: listed from the branch head, deployed or not yet.
    repo.commit({
      'services/api/deploy.hcl': tracedService(trace, ['deploy']),
      'services/api/values.hcl': values('1'),
    });
    const after = await list();
    expect(after.map((s) => s.service)).toEqual(['api', 'web']);
    expect(after.find((s) => s.service === 'web')).toEqual(before);
  });
});
