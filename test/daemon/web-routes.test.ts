/**
 * The dashboard's routes through the real daemon: the page shell and assets open (they hold no
 * data), `whoami` and the live stream behind a token, and the stream showing an identity only the
 * entries of services it may read.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/daemon/identity/tokens-file.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

let repo: ConfigRepo;
let daemon: TestDaemon;
const tokens = { admin: '', webViewer: '' };

beforeAll(async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-web-')), 'tokens');
  const admin = await createToken('ada', ['admin'], null);
  const webViewer = await createToken('wes', ['viewer'], 'web');
  writeFileSync(file, `${admin.line}\n${webViewer.line}\n`);
  tokens.admin = admin.token;
  tokens.webViewer = webViewer.token;
  repo = new ConfigRepo();
  const trace = new Trace();
  repo.commit({
    'services/web/deploy.hcl': tracedService(trace, ['deploy']),
    'services/web/values.hcl': values('1'),
    'services/api/deploy.hcl': tracedService(trace, ['deploy']),
    'services/api/values.hcl': values('1'),
  });
  daemon = await startTestDaemon({ repo: repo.dir, 'tokens-file': file }, { ORBIT_TOKEN: '' });
  await waitFor('web-1 and api-1', async () => {
    const [w, a] = await Promise.all(['web', 'api'].map((s) => daemon.engine.state.service(s)));
    return w?.current === 'web-1' && a?.current === 'api-1';
  });
});

afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
});

/** Reads the event stream as `token` until `until` holds for the events read so far. */
async function events(
  token: string,
  until: (seen: Array<{ service: string; kind: string; deployment: string | null }>) => boolean,
) {
  const ctl = new AbortController();
  const res = await fetch(`${daemon.url}/api/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ctl.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  return {
    async read() {
      const seen: Array<{ service: string; kind: string; deployment: string | null }> = [];
      let buffer = '';
      while (!until(seen)) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (const m of buffer.matchAll(/^data: (.*)$/gm)) seen.push(JSON.parse(m[1]!));
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
      }
      ctl.abort();
      return seen;
    },
  };
}

describe('the dashboard routes', () => {
  it('serve the page shell and its assets without a token, with a CSP that allows only this origin', async () => {
    const page = await fetch(`${daemon.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('<script type="module" src="/assets/app.js">');
    const js = await fetch(`${daemon.url}/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await api(daemon, 'GET', '/assets/..%2Fpackage.json', { token: null })).body).toMatchObject({
      error: { code: 'E_NOT_FOUND' },
    });
  });

  it('answer whoami with the identity and its grants, and refuse it and the stream without a token', async () => {
    expect((await api(daemon, 'GET', '/api/whoami', { token: tokens.webViewer })).body).toMatchObject({
      name: 'wes',
      grants: [{ role: 'viewer', services: 'web' }],
    });
    for (const route of ['/api/whoami', '/api/events'])
      expect(await api(daemon, 'GET', route, { token: 'orbit_0_wrong' })).toMatchObject({
        status: 401,
        body: { error: { code: 'E_UNAUTHORIZED' } },
      });
  });

  it('stream the entries as they are written, only of the services the identity may read', async () => {
    type Seen = Array<{ service: string; kind: string; deployment: string | null }>;
    const succeeded = (seen: Seen, id: string) =>
      seen.some((e) => e.deployment === id && e.kind === 'deploy-succeeded');
    const admin = await events(
      tokens.admin,
      (seen: Seen) => succeeded(seen, 'web-2') && succeeded(seen, 'api-2'),
    );
    const limited = await events(tokens.webViewer, (seen: Seen) => succeeded(seen, 'web-3'));
    repo.commit({ 'services/web/values.hcl': values('2'), 'services/api/values.hcl': values('2') });
    const all = await admin.read();
    expect(all.some((e) => e.service === 'api')).toBe(true);
    // One stream is in write order: api-2's entries came before web-3's, so a leak would show.
    repo.commit({ 'services/web/values.hcl': values('3') });
    const seen = await limited.read();
    expect(succeeded(seen, 'web-2')).toBe(true);
    // Entries of other services never; the branch head's moves (no service's) are for everyone.
    expect(seen.filter((e) => e.kind !== 'branch-head' && e.service !== 'web')).toEqual([]);
  });
});
