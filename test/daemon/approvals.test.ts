/**
 * `ack` steps with `approvals = N`: N distinct approvers, each recorded with their verified
 * identity; whoever caused the deployment (its commit's author) may not approve it unless
 * `allow_self_approval = true`; the API shows who has approved and who still may.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace, execStep, traceLine } from '../support/config-repo.js';
import { sign } from '@octokit/webhooks-methods';
import { api, SECRET, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

const tokensFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-tokens-')), 'tokens');
const tokens: Record<string, string> = {};

beforeAll(async () => {
  // `ann` is the config repository's commit author (Ann Operator <ann@example.com>).
  for (const name of ['alice', 'bob', 'ann', 'zed', 'pete']) {
    const r = await orbit(['token', 'create', name, '--role', 'approver', '--tokens-file', tokensFile]);
    tokens[name] = r.stdout.trim();
  }
});

let repo: ConfigRepo;
let trace: Trace;
let daemon: TestDaemon | null;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  daemon = null;
});
afterEach(async () => {
  await daemon?.stop();
  repo.remove();
});

async function start(ack: string) {
  repo.commit({
    'services/web/deploy.hcl': `step {\n  name  = "approve"\n  agent = "ack"\n  timeout = "60s"\n${ack}\n}\n${execStep(trace, 'deploy', traceLine('+deploy'), null)}\n`,
  });
  daemon = await startTestDaemon({ repo: repo.dir, 'tokens-file': tokensFile }, { ORBIT_TOKEN: '' });
  await waitFor('web-1 waiting', async () => (await get('/api/deployments/web-1')).body.waiting_ack);
}

const get = (route: string) => api(daemon!, 'GET', route, { token: tokens.zed! });
const ack = (who: string) => api(daemon!, 'POST', '/api/deployments/web-1/ack', { token: tokens[who]! });

describe('approvals', () => {
  it('takes N distinct approvers, refuses the author and a second approval by the same one', async () => {
    await start('  approvals = 2\n  approvers = ["alice", "bob", "ann"]');
    expect((await get('/api/deployments/web-1')).body.waiting_ack.approval).toEqual({
      step: 'approve',
      required: 2,
      approved: [],
      remaining: 2,
      may_approve: ['alice', 'bob'],
      excluded: ['Ann Operator <ann@example.com>'],
    });

    expect(await ack('ann')).toMatchObject({ status: 403, body: { error: { code: 'E_SELF_APPROVAL' } } });
    expect(await ack('zed')).toMatchObject({ status: 403, body: { error: { code: 'E_NOT_APPROVER' } } });
    expect(await ack('alice')).toMatchObject({ status: 200, body: { deployment: { status: 'running' } } });
    expect(await ack('alice')).toMatchObject({
      status: 409,
      body: { error: { code: 'E_ALREADY_APPROVED' } },
    });
    const one = (await get('/api/deployments/web-1')).body.waiting_ack.approval;
    expect(one).toMatchObject({ remaining: 1, may_approve: ['bob'], approved: [{ by: 'alice' }] });
    expect(trace.lines()).toEqual([]);

    expect((await ack('bob')).status).toBe(200);
    await waitFor(
      'web-1 deployed',
      async () => (await daemon!.engine.state.deployment('web-1'))?.status === 'succeeded',
    );
    expect(trace.lines()).toEqual(['+deploy']);

    const acked = daemon!.entries.filter((e) => e.kind === 'step-acked');
    expect(acked.map((e) => [e.author, e.verified_by?.replace(/\(.*\)/, '()')])).toEqual([
      ['alice', 'token alice ()'],
      ['bob', 'token bob ()'],
    ]);
    const d = await daemon!.engine.state.deployment('web-1');
    expect(d?.steps[0]?.approvals?.map((a) => a.by)).toEqual(['alice', 'bob']);
    expect((await orbit(['show', 'web-1', '--repo', repo.dir])).stdout).toContain('(acked by alice, bob)');
    expect(repo.git('log', '--format=%B', 'orbit/state')).toMatch(
      /acked by alice\n\n(.*\n)*Orbit-Verified-By: token alice/,
    );
  });

  it('lets the author approve with allow_self_approval = true', async () => {
    await start('  allow_self_approval = true');
    expect((await get('/api/deployments/web-1')).body.waiting_ack.approval).toMatchObject({
      required: 1,
      may_approve: null,
      excluded: [],
    });
    expect((await ack('ann')).status).toBe(200);
    await waitFor(
      'web-1 deployed',
      async () => (await daemon!.engine.state.deployment('web-1'))?.status === 'succeeded',
    );
  });

  it('refuses whoever pushed the commit, as a signed push webhook names them', async () => {
    await start('');
    const sha = repo.git('rev-parse', 'HEAD');
    const payload = JSON.stringify({
      ref: 'refs/heads/main',
      after: sha,
      commits: [{ id: sha }],
      pusher: { name: 'pete', email: 'pete@example.com' },
    });
    const hook = await api(daemon!, 'POST', '/hooks/github', {
      raw: payload,
      token: null,
      headers: {
        'x-github-event': 'push',
        'x-github-delivery': 'push-1',
        'x-hub-signature-256': await sign(SECRET, payload),
      },
    });
    expect(hook.status).toBe(202);
    expect((await get('/api/deployments/web-1')).body.waiting_ack.approval.excluded).toEqual([
      'Ann Operator <ann@example.com>',
      'pete <pete@example.com>',
    ]);
    expect(await ack('pete')).toMatchObject({ status: 403, body: { error: { code: 'E_SELF_APPROVAL' } } });
    expect((await ack('alice')).status).toBe(200);
  });
});
