/**
 * Who may read, and the deprecated single token: reads need a credential unless `anonymous-read`
 * is on; the old `ORBIT_TOKEN` keeps working as one admin, with a warning at start.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { api, startTestDaemon, TOKEN, waitFor, type TestDaemon } from './helpers.js';

let repo: ConfigRepo;
let daemon: TestDaemon | null;

beforeEach(() => {
  repo = new ConfigRepo();
  repo.commit({
    'services/web/deploy.hcl': tracedService(new Trace(), ['deploy']),
    'services/web/values.hcl': values('1'),
  });
  daemon = null;
});
afterEach(async () => {
  await daemon?.stop();
  repo.remove();
});

const deployed = () =>
  waitFor('web-1', async () => (await daemon!.engine.state.service('web'))?.current === 'web-1');

describe('reading the API', () => {
  it('needs a credential; anonymous-read opens reads on purpose, never changes', async () => {
    const tokensFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-tokens-')), 'tokens');
    const viewer = (
      await orbit(['token', 'create', 'vic', '--role', 'viewer', '--tokens-file', tokensFile])
    ).stdout.trim();
    daemon = await startTestDaemon(
      { repo: repo.dir, 'tokens-file': tokensFile, 'anonymous-read': true },
      { ORBIT_TOKEN: '' },
    );
    await deployed();
    expect((await api(daemon, 'GET', '/api/deployments/web-1', { token: null })).status).toBe(200);
    expect((await api(daemon, 'GET', '/api/services', { token: viewer })).status).toBe(200);
    // A credential that is sent is checked, also where none is needed.
    expect((await api(daemon, 'GET', '/api/services', { token: 'wrong' })).status).toBe(401);
    expect((await api(daemon, 'POST', '/api/services/web/unwind', { token: null })).status).toBe(401);
    expect(daemon.logs.some((l) => String(l.msg).startsWith('anonymous-read is on'))).toBe(true);
  });

  it('a daemon without any identity answers reads with 401 and says why', async () => {
    daemon = await startTestDaemon({ repo: repo.dir }, { ORBIT_TOKEN: '' });
    await deployed();
    const r = await api(daemon, 'GET', '/api/services', { token: null });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toContain('no API identities configured');
    expect((await api(daemon, 'GET', '/healthz', { token: null })).status).toBe(200);
  });
});

describe('the deprecated single token', () => {
  it('acts as one admin, the author it names recorded as unverified, with a warning at start', async () => {
    daemon = await startTestDaemon({ repo: repo.dir });
    await deployed();
    expect(daemon.logs.find((l) => String(l.msg).includes('is deprecated'))).toMatchObject({ level: 40 });
    expect((await api(daemon, 'GET', '/api/services', { token: null })).status).toBe(401);
    expect((await api(daemon, 'GET', '/api/services', { token: TOKEN })).status).toBe(200);
    const r = await api(daemon, 'POST', '/api/services/web/unwind', { body: { author: 'bob' } });
    expect(r).toMatchObject({ status: 200, body: { deployment: { unwind: { author: 'bob' } } } });
    const started = daemon.entries.find((e) => e.kind === 'unwind-started');
    expect(started).toMatchObject({ author: 'bob', verified_by: 'shared-token' });
  });
});
