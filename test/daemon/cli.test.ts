import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { api, startTestDaemon, TOKEN, waitFor, type TestDaemon } from './helpers.js';

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

describe('the CLI with a running daemon', () => {
  it('status, unwind and redeploy go through the daemon that holds the repository', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['deploy']),
      'services/web/values.hcl': values('1'),
    });
    daemon = await startTestDaemon({ repo: repo.dir });
    await waitFor('web-1', async () => (await daemon!.engine.state.service('web'))?.current === 'web-1');

    const status = await orbit(['status', '--json', '--repo', repo.dir]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({ service: 'web', current: expect.objectContaining({ id: 'web-1' }) }),
    ]);

    // Without the token the daemon refuses, and the CLI says how to pass it (exit 3: Orbit could not run).
    const refused = await orbit(['unwind', 'web', '--repo', repo.dir]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('ORBIT_TOKEN');
    expect((await daemon.engine.state.service('web'))?.current).toBe('web-1');

    const env = { ORBIT_TOKEN: TOKEN, ORBIT_USER: 'carol' };
    const unwound = await orbit(['unwind', 'web', '--json', '--repo', repo.dir], { env });
    expect(unwound.code).toBe(0);
    expect(JSON.parse(unwound.stdout)).toMatchObject({
      deploy_id: 'web-1',
      status: 'unwound',
      unwind: { author: 'carol' },
    });
    expect(trace.lines()).toEqual(['+deploy:1', '-deploy:1']);

    const again = await orbit(['redeploy', 'web', '--repo', repo.dir], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('web-2: succeeded');
    // Errors keep their exit codes: an unknown service is a usage error.
    expect((await orbit(['unwind', 'nope', '--repo', repo.dir], { env })).code).toBe(2);
  });

  it('orbit ack approves a waiting step, as the right person only', async () => {
    repo.commit({
      'services/web/deploy.hcl': `variable "version" {}
step {
  name      = "approve"
  agent     = "ack"
  approvers = ["alice"]
  timeout   = "30s"
}
`,
      'services/web/values.hcl': values('1'),
    });
    daemon = await startTestDaemon({ repo: repo.dir });
    await waitFor(
      'waiting',
      async () => (await api(daemon!, 'GET', '/api/deployments/web-1')).body?.waiting_ack,
    );

    const wrong = await orbit(['ack', 'web-1', '--repo', repo.dir], {
      env: { ORBIT_TOKEN: TOKEN, ORBIT_USER: 'mallory' },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('alice');
    const ok = await orbit(['ack', 'web-1', '--repo', repo.dir], {
      env: { ORBIT_TOKEN: TOKEN, ORBIT_USER: 'alice' },
    });
    expect(ok.code).toBe(0);
    await waitFor(
      'web-1 succeeded',
      async () => (await daemon!.engine.state.deployment('web-1'))?.status === 'succeeded',
    );
    expect((await daemon.engine.state.deployment('web-1'))?.steps[0]?.acked?.by).toBe('alice');
    // show's step table stays aligned with the approver in the status column.
    const show = await orbit(['show', 'web-1', '--repo', repo.dir]);
    expect(show.code).toBe(0);
    const [head, row] = show.stdout.split('\n').filter((l) => /^( {3}step|✓ {2}approve)/.test(l));
    expect(row).toContain('applied (acked by alice)');
    expect(row!.search(/\d+\.\d\ds/)).toBe(head!.indexOf('forward'));
  });

  it('without a daemon, status works on the repository and ack says it needs the daemon', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['deploy']),
      'services/web/values.hcl': values('1'),
    });
    expect((await orbit(['reconcile', '--repo', repo.dir])).code).toBe(0);
    const status = await orbit(['status', '--json', '--repo', repo.dir]);
    expect(JSON.parse(status.stdout)[0].current.id).toBe('web-1');
    const ack = await orbit(['ack', 'web-1', '--repo', repo.dir]);
    expect(ack.code).toBe(1);
    expect(ack.stderr).toContain('orbit daemon');
    expect((await orbit(['ack', 'web-9', '--repo', repo.dir])).code).toBe(2);
  });
});
