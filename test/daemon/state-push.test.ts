/**
 * `--state-push` as the guard against two writers: the pushed state branch is the shared truth.
 * A daemon started elsewhere (failover) carries on from it; a daemon whose push is refused as
 * non-fast-forward stops and exits non-zero; a daemon whose local branch diverged does not start.
 * Never forced: the remote keeps what the other writer pushed. Real daemons (the CLI), real git.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ORBIT_BIN } from '../support/cli.js';
import { ConfigRepo } from '../support/config-repo.js';
import { TOKEN, api, waitFor } from './helpers.js';

interface Child {
  proc: ChildProcess;
  out: string;
  exit: Promise<number | null>;
}

const children: Child[] = [];
const cleanups: Array<() => void> = [];

function spawnDaemon(repo: string, remote: string): Child {
  const proc = spawn(
    process.execPath,
    [ORBIT_BIN, 'daemon', '--repo', repo, '--state-push', remote, '--listen', '127.0.0.1:0'],
    // The API reads need an identity: the test's token.
    { env: { ...process.env, NO_COLOR: '1', ORBIT_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const child: Child = {
    proc,
    out: '',
    exit: new Promise((resolve) => proc.once('exit', (code) => resolve(code))),
  };
  proc.stdout!.on('data', (d: Buffer) => (child.out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (child.out += d.toString()));
  children.push(child);
  return child;
}

const urlOf = (c: Child) =>
  waitFor('the daemon listening', () => /"url":"(http:[^"]+)","branch"/.exec(c.out)?.[1]);

/** The branch's commit, or '' while it is not there (the push follows the append it carries). */
const head = (gitdir: string, ref = 'orbit/state') => {
  try {
    return execFileSync('git', ['--git-dir', gitdir, 'rev-parse', '--verify', '-q', ref], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return '';
  }
};

const deployed = (url: string, id: string) =>
  waitFor(`${id} succeeded`, async () => {
    const r = await api({ url }, 'GET', `/api/deployments/${id}`);
    return r.status === 200 && r.body.deployment.status === 'succeeded';
  });

const service = (version: string) => ({
  'services/web/deploy.hcl': `variable "version" {}
step {
  name    = "release"
  agent   = "exec"
  forward = ["echo", "release \${var.version}"]
  reverse = ["echo", "back from \${var.version}"]
}
`,
  'services/web/values.hcl': `version = "${version}"\n`,
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null) c.proc.kill('SIGTERM');
    await c.exit;
  }
  for (const f of cleanups.splice(0)) f();
});

describe('the state branch on its push remote', { timeout: 60_000 }, () => {
  it('a second daemon carries on from the pushed branch; the first, refused, stops and exits non-zero; never forced', async () => {
    const remote = mkdtempSync(path.join(os.tmpdir(), 'orbit-state-remote-'));
    execFileSync('git', ['init', '-q', '--bare', remote]);
    const a = new ConfigRepo();
    const b = new ConfigRepo();
    cleanups.push(
      () => rmSync(remote, { recursive: true, force: true }),
      () => a.remove(),
      () => b.remove(),
    );

    a.commit(service('1'));
    const first = spawnDaemon(a.dir, remote);
    await deployed(await urlOf(first), 'web-1');
    await waitFor('web-1 pushed', () => head(remote) === a.git('rev-parse', 'orbit/state'));

    // Another machine: the same config, none of the state. It takes the pushed branch over.
    b.git('pull', '-q', a.dir, 'main');
    const second = spawnDaemon(b.dir, remote);
    const secondUrl = await urlOf(second);
    expect(second.out).toContain('"result":"adopted"');
    const status = await api({ url: secondUrl }, 'GET', '/api/services/web');
    expect(status.body.current?.id ?? status.body.view?.current?.deploy_id, JSON.stringify(status.body)).toBe(
      'web-1',
    );
    b.commit(service('2'));
    await deployed(secondUrl, 'web-2');
    await waitFor('web-2 pushed', () => head(remote) === b.git('rev-parse', 'orbit/state'));
    const pushedBySecond = head(remote);
    const web2 = await api({ url: secondUrl }, 'GET', '/api/deployments/web-2');
    expect(web2.body.deployment.previous_deploy_id).toBe('web-1');

    // The first daemon still runs and writes its own web-2: its push is refused.
    a.commit(service('3'));
    expect(await first.exit).toBe(3);
    expect(first.out).toMatch(/state push was rejected/);
    expect(head(remote), 'never forced').toBe(pushedBySecond);

    // Started again, it finds its branch diverged from the remote's and does not start.
    const again = spawnDaemon(a.dir, remote);
    expect(await again.exit).toBe(3);
    expect(again.out).toMatch(/has diverged from the local one/);
    expect(head(remote)).toBe(pushedBySecond);
  });
});
