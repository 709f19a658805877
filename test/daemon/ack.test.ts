import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigRepo, Trace } from '../support/config-repo.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

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

/** build (exec) → approve (ack) → deploy (exec); every exec action appends to the trace. */
function plan(ack: string): string {
  const exec = (name: string) => `step {
  name    = "${name}"
  agent   = "exec"
  forward = ["sh", "-c", "echo +${name}:$ORBIT_VAR_version >> $TRACE"]
  reverse = ["sh", "-c", "echo -${name}:$ORBIT_VAR_version >> $TRACE"]
  env     = { TRACE = "${trace.file}" }
}`;
  return `variable "version" {}\n${exec('build')}\nstep {\n  name  = "approve"\n  agent = "ack"\n${ack}\n}\n${exec('deploy')}\n`;
}

const waiting = (id: string) =>
  waitFor(
    `${id} waiting for approval`,
    async () => (await api(daemon!, 'GET', `/api/deployments/${id}`)).body.waiting_ack,
  );

describe('the ack agent', () => {
  it('holds the step until an approver acks it; others get 403', async () => {
    repo.commit({
      'services/web/deploy.hcl': plan('  approvers = ["alice"]\n  timeout = "30s"'),
      'services/web/values.hcl': 'version = "1"\n',
    });
    daemon = await startTestDaemon({ repo: repo.dir });
    const w = await waiting('web-1');
    expect(w).toMatchObject({ deployId: 'web-1', stepName: 'approve', approvers: ['alice'] });
    expect(trace.next()).toEqual(['+build:1']);
    expect((await api(daemon, 'GET', '/api/services')).body.waiting_acks).toHaveLength(1);

    expect(
      await api(daemon, 'POST', '/api/deployments/web-1/ack', { body: { author: 'mallory' } }),
    ).toMatchObject({
      status: 403,
      body: { error: { code: 'E_NOT_APPROVER' } },
    });
    expect(
      await api(daemon, 'POST', '/api/deployments/web-1/ack', { body: { author: 'alice' }, token: null }),
    ).toMatchObject({
      status: 401,
    });
    const r = await api(daemon, 'POST', '/api/deployments/web-1/ack', { body: { author: 'alice' } });
    expect(r.status).toBe(200);
    await waitFor(
      'web-1 deployed',
      async () => (await daemon!.engine.state.deployment('web-1'))?.status === 'succeeded',
    );
    expect(trace.next()).toEqual(['+deploy:1']);
    const d = await daemon.engine.state.deployment('web-1');
    expect(d?.steps[1]).toMatchObject({ step_name: 'approve', status: 'applied', acked: { by: 'alice' } });
    const acked = daemon.entries.find((e) => e.kind === 'step-acked');
    expect(acked).toMatchObject({ author: 'alice', step_id: 'web-1/1-approve' });
    // A second ack has nothing left to approve.
    expect(
      await api(daemon, 'POST', '/api/deployments/web-1/ack', { body: { author: 'alice' } }),
    ).toMatchObject({
      status: 409,
      body: { error: { code: 'E_NOTHING_TO_ACK' } },
    });
  });

  it('fails the step at its timeout and unwinds what was applied', async () => {
    repo.commit({
      'services/web/deploy.hcl': plan('  timeout = "1s"'),
      'services/web/values.hcl': 'version = "1"\n',
    });
    daemon = await startTestDaemon({ repo: repo.dir });
    const d = await waitFor('web-1 failed', async () => {
      const rec = await daemon!.engine.state.deployment('web-1');
      return rec?.status === 'failed' ? rec : null;
    });
    expect(d.steps.map((s) => [s.step_name, s.status])).toEqual([
      ['build', 'reversed'],
      ['approve', 'failed'],
    ]);
    expect(d.steps[1]?.error?.code).toBe('E_ACK_TIMEOUT');
    expect(trace.lines()).toEqual(['+build:1', '-build:1']);
  });
});
