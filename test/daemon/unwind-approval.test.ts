/**
 * `schedule { unwind_approval = true }` through a real daemon on loopback with a controllable
 * clock: an unwind asked for through the API, or by a reverting commit, while the window is closed
 * waits (status `waiting-approval`), and the `ack` route releases it. The trace file proves that
 * nothing was reversed before the approval.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { ConfigRepo, Trace, execStep, traceLine } from '../support/config-repo.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

let repo: ConfigRepo;
let trace: Trace;
let daemon: TestDaemon | null;
let clock: Date;

const OPEN = new Date('2026-12-01T10:00:00Z'); // a Tuesday, 11:00 in Berlin
const CLOSED = new Date('2026-12-01T18:00:00Z'); // 19:00 in Berlin

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  daemon = null;
  clock = OPEN;
});

// A loopback webhook receiver: the unwind's wait reaches `waiting-approval` subscribers.
let hook: WebhookReceiver;
let receiver: string;
beforeAll(async () => {
  hook = await startWebhookReceiver();
  receiver = `${hook.url}/approvers`;
});
afterAll(() => hook.close());

afterEach(async () => {
  await daemon?.stop();
  repo.remove();
});

const files = (version: string) => ({
  'orbit.hcl': `schedule {
  timezone        = "Europe/Berlin"
  allow           = ["* 10-16 * * 1-5"]
  unwind_approval = true
}
notify "approvers" {
  type   = "webhook"
  url    = "${receiver}"
  events = ["waiting-approval"]
}
`,
  'services/web/deploy.hcl': execStep(trace, 'deploy', traceLine(`+${version}`), traceLine(`-${version}`)),
});

const succeeded = (id: string) =>
  waitFor(`${id} succeeded`, async () => (await daemon!.engine.state.deployment(id))?.status === 'succeeded');

const waitingApproval = () =>
  waitFor('web waiting for approval', async () => {
    const r = await api(daemon!, 'GET', '/api/services/web');
    return r.body.health === 'waiting-approval' ? r.body : undefined;
  });

it(
  'an API unwind in a closed window waits until the ack route approves it',
  { timeout: 60_000 },
  async () => {
    repo.commit(files('v1'));
    daemon = await startTestDaemon({ repo: repo.dir }, {}, undefined, { now: () => clock });
    await succeeded('web-1');

    clock = CLOSED;
    const unwind = api(daemon, 'POST', '/api/services/web/unwind', { body: { author: 'bob' } });
    const status = await waitingApproval();
    expect(status.health_reason).toMatchObject({ run: 'orbit ack web-1' });
    const shown = await api(daemon, 'GET', '/api/deployments/web-1');
    expect(shown.body.waiting_ack).toMatchObject({
      deployId: 'web-1',
      unwind: true,
      approval: { excluded: ['bob'] },
    });
    expect(trace.lines(), 'nothing reversed before the approval').toEqual(['+v1']);
    const [told] = await waitFor('the wait notified', () =>
      hook.got.length ? hook.got.map((g) => g.body) : undefined,
    );
    expect(told).toMatchObject({ event: 'waiting-approval', service: 'web', deployment: 'web-1' });
    expect(told).toMatchObject({
      entry_kind: 'unwind-waiting',
      message: expect.stringContaining('the unwind waits for approval (orbit ack web-1)'),
    });

    expect(
      await api(daemon, 'POST', '/api/deployments/web-1/ack', { body: { author: 'bob' } }),
    ).toMatchObject({
      status: 403,
      body: { error: { code: 'E_SELF_APPROVAL' } },
    });
    const ack = await api(daemon, 'POST', '/api/deployments/web-1/ack', { body: { author: 'alice' } });
    expect(ack.status).toBe(200);
    const done = await unwind;
    expect(done).toMatchObject({
      status: 200,
      body: { deployment: { deploy_id: 'web-1', status: 'unwound' } },
    });
    expect(trace.lines()).toEqual(['+v1', '-v1']);
  },
);

it('a reverting commit in a closed window waits for the approval too', { timeout: 60_000 }, async () => {
  repo.commit(files('v1'));
  daemon = await startTestDaemon({ repo: repo.dir }, {}, undefined, { now: () => clock });
  await succeeded('web-1');
  repo.commit(files('v2'));
  void daemon.sync.trigger('test');
  await succeeded('web-2');

  clock = CLOSED;
  repo.git('revert', '--no-edit', 'HEAD');
  void daemon.sync.trigger('test');
  await waitingApproval();
  expect(await daemon.engine.state.deployment('web-2')).toMatchObject({
    status: 'succeeded',
    unwind_approval: { state: 'waiting', reason: expect.stringMatching(/^revert outside the window/) },
  });
  expect(trace.lines(), 'nothing reversed before the approval').toEqual(['+v1', '+v2']);
  const ack = await api(daemon, 'POST', '/api/deployments/web-2/ack', { body: { author: 'alice' } });
  expect(ack.status).toBe(200);
  await waitFor(
    'web-2 unwound',
    async () => (await daemon!.engine.state.deployment('web-2'))?.status === 'unwound',
  );
  expect(trace.lines()).toEqual(['+v1', '+v2', '-v2']);
});
