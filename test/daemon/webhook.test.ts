import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { sign } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { api, SECRET, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];
// Real GitHub payloads; the push to `refs/heads/master` is the one the daemon watches here.
const pushes = examples.find((e) => e.name === 'push')!.examples as Array<{ ref: string }>;
const toMaster = JSON.stringify(pushes.find((p) => p.ref === 'refs/heads/master'));
const toTag = JSON.stringify(pushes.find((p) => p.ref.startsWith('refs/tags/')));
const ping = JSON.stringify(examples.find((e) => e.name === 'ping')!.examples[0]);

let root: string;
let work: ConfigRepo;
let trace: Trace;
let server: GitHttpServer;
let daemon: TestDaemon;

const remote = () => path.join(root, 'config.git');
const push = () => work.git('push', '-q', remote(), 'master');

let deliveries = 0;
async function hook(body: string, event: string, signature: string | null, delivery = `d-${++deliveries}`) {
  const headers: Record<string, string> = { 'x-github-event': event, 'x-github-delivery': delivery };
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return api(daemon, 'POST', '/hooks/github', { raw: body, headers, token: null });
}

/** The daemon's count of webhooks by result (triggered, ignored, rejected), from GET /metrics. */
async function webhooksCounted(result: string): Promise<number> {
  const text = String((await api(daemon, 'GET', '/metrics')).body);
  const line = text.split('\n').find((l) => l.startsWith(`orbit_webhooks_total{result="${result}"}`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/**
 * Waits until the daemon has handled `n` more webhooks with this result (its metric: the positive
 * signal), then returns the reasons of the sync rounds asked for since log line `from`: a webhook
 * can only make the daemon fetch through such a round, asked for before the delivery is answered.
 */
async function handled(result: string, from: { count: number; log: number }, n: number) {
  await waitFor(`${n} ${result} webhook(s)`, async () => (await webhooksCounted(result)) === from.count + n);
  return daemon.logs
    .slice(from.log)
    .filter((l) => l.msg === 'sync requested')
    .map((l) => String(l.reason));
}

const mark = async (result: string) => ({ count: await webhooksCounted(result), log: daemon.logs.length });

const deployed = (id: string) =>
  waitFor(`${id} deployed`, async () => (await daemon.engine.state.deployment(id))?.status === 'succeeded');

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'orbit-remote-'));
  execFileSync('git', ['init', '-q', '--bare', remote()]);
  work = new ConfigRepo();
  trace = new Trace();
  work.git('checkout', '-q', '-b', 'master');
  work.commit({
    'services/web/deploy.hcl': tracedService(trace, ['deploy']),
    'services/web/values.hcl': values('1'),
  });
  push();
  server = await startGitHttpServer(root);
  // An hour between polls: only the start and webhooks fetch.
  daemon = await startTestDaemon({
    repo: `${server.url}/config.git`,
    branch: 'master',
    'poll-interval': '1h',
  });
  await deployed('web-1');
});

afterAll(async () => {
  await daemon?.stop();
  await server?.close();
  work?.remove();
  rmSync(root, { recursive: true, force: true });
});

describe('push webhooks against a remote served over git smart HTTP', () => {
  it('clones the remote into the data directory on start', async () => {
    expect(server.fetches()).toBeGreaterThanOrEqual(1);
    expect((await api(daemon, 'GET', '/healthz')).body).toMatchObject({ mode: 'fetch', branch: 'master' });
  });

  it('refuses a bad or missing signature with 401 and fetches nothing', async () => {
    work.commit({ 'services/web/values.hcl': values('2') });
    push();
    const before = server.fetches();
    const since = await mark('rejected');
    const wrong = await sign('not-the-secret', toMaster);
    expect(await hook(toMaster, 'push', wrong)).toMatchObject({
      status: 401,
      body: { error: { code: 'E_BAD_SIGNATURE' } },
    });
    expect(await hook(toMaster, 'push', null)).toMatchObject({
      status: 401,
      body: { error: { code: 'E_BAD_SIGNATURE' } },
    });
    // The signature covers the exact body: a valid signature of other bytes is refused too.
    expect(await hook(toMaster + ' ', 'push', await sign(SECRET, toMaster))).toMatchObject({ status: 401 });
    expect(await handled('rejected', since, 3)).not.toContain('webhook');
    expect(server.fetches()).toBe(before);
    expect(await daemon.engine.state.deployment('web-2')).toBeNull();
  });

  it('acknowledges pings and pushes to other refs without fetching', async () => {
    const before = server.fetches();
    const since = await mark('ignored');
    expect(await hook(ping, 'ping', await sign(SECRET, ping))).toMatchObject({
      status: 202,
      body: { triggered: false },
    });
    expect(await hook(toTag, 'push', await sign(SECRET, toTag))).toMatchObject({
      status: 202,
      body: { triggered: false },
    });
    expect(await handled('ignored', since, 2)).not.toContain('webhook');
    expect(server.fetches()).toBe(before);
  });

  it('a valid push to the watched branch fetches at once and deploys', async () => {
    const before = server.fetches();
    expect(await hook(toMaster, 'push', await sign(SECRET, toMaster))).toMatchObject({
      status: 202,
      body: { triggered: true, ref: 'refs/heads/master' },
    });
    await deployed('web-2');
    expect(server.fetches()).toBeGreaterThan(before);
    expect(trace.lines()).toEqual(['+deploy:1', '+deploy:2']);
  });

  it('answers a replayed delivery id with 200 {duplicate: true} and triggers nothing', async () => {
    const signature = await sign(SECRET, toMaster);
    const webhooks = async (result: string) => {
      const text = (await api(daemon, 'GET', '/metrics')).body as string;
      return Number(
        new RegExp(`^orbit_webhooks_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0,
      );
    };
    expect(await hook(toMaster, 'push', signature, 'replayed-1')).toMatchObject({
      status: 202,
      body: { triggered: true },
    });
    const triggered = await webhooks('triggered');
    for (let i = 0; i < 3; i++)
      expect(await hook(toMaster, 'push', signature, 'replayed-1')).toMatchObject({
        status: 200,
        body: { triggered: false, duplicate: true, delivery: 'replayed-1' },
      });
    expect(await webhooks('triggered')).toBe(triggered);
    expect(await webhooks('duplicate')).toBe(3);
    // A forged request reusing a real id is still refused on its signature, and not remembered.
    expect(await hook(toMaster, 'push', 'sha256=00', 'fresh-2')).toMatchObject({ status: 401 });
    expect(await hook(toMaster, 'push', signature, 'fresh-2')).toMatchObject({ status: 202 });
  });

  it('an unreachable remote is reported and the daemon keeps serving', async () => {
    await server.close();
    await hook(toMaster, 'push', await sign(SECRET, toMaster));
    const r = await waitFor('fetch error', async () => {
      const s = await api(daemon, 'GET', '/api/services');
      return s.body.sync.error ? s : null;
    });
    expect(r.body.sync.error.code).toBe('E_FETCH_FAILED');
    expect((await api(daemon, 'GET', '/healthz')).body.status).toBe('degraded');
    expect((await api(daemon, 'GET', '/api/deployments/web-2')).status).toBe(200);
  });
});
