/**
 * The daemon's own state in the CLI: when it cannot do its job (a rewritten branch, a state push
 * that fails), `/healthz` says so with the fix, and `status`, `unwind` and `ack` through it print
 * a warning line; `orbit reconcile` while it holds the lock says that the daemon runs, and where.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { TOKEN, api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

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

const run = (...args: string[]) => orbit([...args, '--repo', repo.dir], { env: { ORBIT_TOKEN: TOKEN } });

const web = (version: string) => ({
  'services/web/deploy.hcl': tracedService(trace, ['deploy']),
  'services/web/values.hcl': values(version),
});

describe('a degraded daemon', () => {
  it('a rewritten branch: /healthz, status, unwind and ack warn with the fix; reconcile names the daemon', async () => {
    repo.commit(web('1'));
    daemon = await startTestDaemon({ repo: repo.dir });
    await waitFor('web-1', async () => (await daemon!.engine.state.service('web'))?.current === 'web-1');
    repo.commit(web('2'));
    await waitFor('web-2', async () => (await daemon!.engine.state.service('web'))?.current === 'web-2');

    // A force-push: the branch no longer contains what Orbit processed.
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    repo.commit(web('3'));
    await waitFor(
      'the daemon sees the rewrite',
      () => daemon!.sync.status().error?.code === 'E_CONFIG_REWRITTEN',
    );
    const health = await api(daemon, 'GET', '/healthz');
    expect(health.body).toMatchObject({
      status: 'degraded',
      problems: [
        { code: 'E_CONFIG_REWRITTEN', fix: expect.stringContaining('orbit reconcile --accept-rewrite') },
      ],
    });

    const warning = new RegExp(
      `^orbit: warning: the daemon at ${daemon.url.replace(/[.]/g, '\\.')} is degraded: E_CONFIG_REWRITTEN: branch main no longer contains [0-9a-f]{12}.*\\. Fix: push the old history back, or stop the daemon, run \`orbit reconcile --accept-rewrite\`, and start it again$`,
      'm',
    );
    const status = await run('status');
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(warning);
    expect(status.stdout).toMatch(/^web\s+out-of-sync\s+/m);
    expect(status.stdout).toContain('web: out-of-sync: the branch was rewritten');

    const unwind = await run('unwind', 'web');
    expect(unwind.code).toBe(0);
    expect(unwind.stderr).toMatch(warning);
    expect(unwind.stdout).toContain('web-2: unwound (through the daemon');

    const ack = await run('ack', 'web-1');
    expect(ack.code).toBe(1);
    expect(ack.stderr).toMatch(warning);
    expect(ack.stderr).toContain('web-1 has no step waiting for approval here');

    const reconcile = await run('reconcile');
    expect(reconcile.code).toBe(3);
    expect(reconcile.stderr).toContain(
      `orbit: the Orbit daemon is running on this repository (pid ${process.pid} on ${os.hostname()}`,
    );
    expect(reconcile.stderr).toContain(`API at ${daemon.url}) and reconciles it on its own`);
  });

  it('a state push that fails: /healthz and status say so', async () => {
    // The remote answers at start (a daemon refuses to start without it: it could be a second
    // writer), then goes away: the pushes after that fail.
    const remote = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-remote-')), 'state.git');
    execFileSync('git', ['init', '-q', '--bare', remote]);
    repo.commit(web('1'));
    daemon = await startTestDaemon({ repo: repo.dir, 'state-push': remote });
    const pushed = () =>
      execFileSync('git', ['--git-dir', remote, 'rev-parse', '-q', '--verify', 'orbit/state'], {
        encoding: 'utf8',
      }).trim();
    await waitFor('web-1 pushed', () => {
      try {
        return pushed() === repo.git('rev-parse', 'orbit/state');
      } catch {
        return false;
      }
    });
    renameSync(remote, `${remote}.gone`);
    repo.commit(web('2'));
    await waitFor(
      'the push failed',
      () => daemon!.engine.state.lastPushError?.code === 'E_STATE_PUSH_FAILED',
      30_000,
    );
    const health = await api(daemon, 'GET', '/healthz');
    expect(health.body).toMatchObject({
      status: 'degraded',
      problems: [{ code: 'E_STATE_PUSH_FAILED', fix: expect.stringContaining('--state-push') }],
    });
    const status = await run('status');
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(
      /^orbit: warning: the daemon at \S+ is degraded: E_STATE_PUSH_FAILED: push of orbit\/state to /m,
    );
  });
});
