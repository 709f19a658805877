/**
 * Every daemon problem, not only a sync-loop one, reaches `degraded` subscribers once when it
 * appears: here a state push to a remote that has gone away. A real daemon, a real bare remote
 * (removed and recreated), a real receiver on loopback.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ConfigRepo } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { api, startTestDaemon } from '../daemon/helpers.js';

const cleanups: Array<() => unknown> = [];

afterAll(async () => {
  for (const f of cleanups.reverse()) await f();
});

const service = (version: string, url: string) => ({
  'orbit.hcl': `notify "ops" {\n  type   = "webhook"\n  url    = "${url}/ops"\n  events = ["degraded"]\n}\n`,
  'services/web/deploy.hcl': `variable "version" {}
step {
  name    = "release"
  agent   = "exec"
  forward = ["echo", "release \${var.version}"]
}
`,
  'services/web/values.hcl': `version = "${version}"\n`,
});

it(
  'tells degraded subscribers once when the state push fails, and again when it fails after recovering',
  { timeout: 60_000 },
  async () => {
    const hook = await startWebhookReceiver();
    cleanups.push(() => hook.close());
    const url = hook.url;
    const got = () => hook.got.map((g) => g.body);

    const remote = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-push-gone-')), 'state.git');
    const createRemote = () => execFileSync('git', ['init', '-q', '--bare', remote]);
    // Gone in one step: a rename is atomic, so a push still writing into the remote (the daemon
    // pushes after every append) finishes or fails there instead of racing a recursive delete.
    let gone = 0;
    const removeRemote = () => renameSync(remote, `${remote}.gone-${++gone}`);
    createRemote();
    cleanups.push(() => rmSync(path.dirname(remote), { recursive: true, force: true, maxRetries: 5 }));
    const repo = new ConfigRepo();
    cleanups.push(() => repo.remove());
    const head = (gitdir: string) =>
      execFileSync('git', ['--git-dir', gitdir, 'rev-parse', '--verify', '-q', 'orbit/state'], {
        encoding: 'utf8',
      }).trim();
    const pushed = () => {
      try {
        return head(remote) === head(path.join(repo.dir, '.git'));
      } catch {
        return false; // not written or not pushed yet
      }
    };

    repo.commit(service('1', url));
    const daemon = await startTestDaemon({ repo: repo.dir, 'state-push': remote }, {}, undefined, {
      daemonEnv: {},
    });
    cleanups.push(() => daemon.stop());
    await waitUntil('web-1 pushed', pushed);

    // The remote goes away: the next append's push fails, and the problem is told once.
    removeRemote();
    repo.commit(service('2', url));
    const [first] = await waitUntil('degraded reported', () => (hook.got.length ? got() : undefined));
    expect(first).toMatchObject({
      event: 'degraded',
      error: expect.stringMatching(/^E_STATE_PUSH_FAILED: push of orbit\/state/),
    });
    const health = await api(daemon, 'GET', '/healthz');
    expect(health.body.status).toBe('degraded');
    expect(health.body.problems).toEqual([expect.objectContaining({ code: 'E_STATE_PUSH_FAILED' })]);

    // The remote comes back: the next push carries everything, and the problem is gone.
    createRemote();
    repo.commit(service('3', url));
    await waitUntil('web-3 pushed', pushed);
    await waitUntil(
      'the problem gone',
      async () => (await api(daemon, 'GET', '/healthz')).body.status === 'ok',
    );

    // It goes away again: a new problem, told again (and only once each time).
    removeRemote();
    repo.commit(service('4', url));
    await waitUntil('degraded reported again', () => hook.got.length >= 2);
    expect(got()).toEqual([
      expect.objectContaining({ event: 'degraded', error: expect.stringMatching(/^E_STATE_PUSH_FAILED/) }),
      expect.objectContaining({ event: 'degraded', error: expect.stringMatching(/^E_STATE_PUSH_FAILED/) }),
    ]);
  },
);
