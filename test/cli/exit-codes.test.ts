/**
 * The README's exit-code table, one row at a time, through the real `orbit` executable:
 * 0 success, 1 a deployment failed or a config commit was rejected, 2 a usage error,
 * 3 Orbit itself could not run.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import { startTestDaemon, type TestDaemon } from '../daemon/helpers.js';
import { ORBIT_BIN, orbit } from '../support/cli.js';
import { ConfigRepo } from '../support/config-repo.js';

const step = (name: string, command: string) => `step {
  name    = "${name}"
  agent   = "exec"
  forward = ["sh", "-c", "${command}"]
}
`;

let repo: ConfigRepo;
let daemon: TestDaemon | null;

beforeEach(() => {
  repo = new ConfigRepo();
  daemon = null;
});

afterEach(async () => {
  await daemon?.stop();
  repo.remove();
});

/** What a user sees: the exit code, and no stack trace on stderr. */
async function run(args: string[], env: Record<string, string> = {}) {
  const r = await orbit(args, { cwd: repo.dir, env });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r;
}

/** A port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('exit code 0: success', () => {
  it('a deployment that succeeds', async () => {
    repo.commit({ 'services/web/deploy.hcl': step('ok', 'true') });
    expect((await run(['reconcile'])).code).toBe(0);
  });
});

describe('exit code 1: a deployment failed or a config commit was rejected', () => {
  it('a deployment whose step fails', async () => {
    repo.commit({ 'services/web/deploy.hcl': step('boom', 'exit 7') });
    const r = await run(['reconcile']);
    expect(r.code).toBe(1);
  });

  it('a config commit that does not load', async () => {
    repo.commit({ 'services/web/deploy.hcl': 'step {\n  name = \n}\n' });
    expect((await run(['reconcile'])).code).toBe(1);
    expect((await run(['validate'])).code).toBe(1);
  });
});

describe('an orbit.hcl that does not load', () => {
  it('stops the commands that deploy with its diagnostics, not default settings; reads still work', async () => {
    repo.commit({
      'services/web/deploy.hcl': step('ok', 'true'),
      'orbit.hcl': 'settings {\n  max_parallel = "lots"\n}\n',
    });
    const r = await run(['reconcile']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('orbit.hcl:2:3:');
    expect(r.stderr).toContain('[E_BAD_SETTING]');
    expect((await run(['status'])).code).toBe(0);
  });
});

describe('exit code 2: a usage error', () => {
  beforeEach(() => {
    repo.commit({ 'services/web/deploy.hcl': step('ok', 'true') });
  });

  it('an unknown command or flag', async () => {
    expect((await run(['deploy-everything'])).code).toBe(2);
    expect((await run(['status', '--colour'])).code).toBe(2);
  });

  it('an unknown service, even where nothing has been deployed yet', async () => {
    const r = await run(['log', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope');
    expect((await run(['log', 'nope', '--flat'])).code).toBe(2);
    expect((await run(['unwind', 'nope'])).code).toBe(2);
    // A service on the branch that was never deployed is not a mistake.
    expect((await run(['log', 'web'])).code).toBe(0);
  });

  it('an unknown deployment', async () => {
    expect((await run(['show', 'web-9'])).code).toBe(2);
  });

  it('orbit daemon without a repository', async () => {
    const r = await run(['daemon'], { ORBIT_REPO: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--repo');
  });

  it('orbit daemon with a log level that does not exist, naming the flag and the levels', async () => {
    const r = await run(['daemon', '--repo', repo.dir, '--listen', '127.0.0.1:0', '--log-level', 'shout']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--log-level');
    expect(r.stderr).toContain('trace, debug, info, warn, error');
    expect(r.stderr).not.toContain('unexpected error');
  });
});

describe('exit code 3: Orbit itself could not run', () => {
  it('a repository that does not exist', async () => {
    const missing = path.join(os.tmpdir(), `orbit-missing-${process.pid}-${Date.now()}`);
    expect((await run(['status', '--repo', missing])).code).toBe(3);
    expect((await run(['reconcile', '--repo', missing])).code).toBe(3);
  });

  it('the state lock held by another Orbit', async () => {
    repo.commit({ 'services/web/deploy.hcl': step('ok', 'true') });
    const holder = await openEngine({ repoDir: repo.dir, env: {} });
    try {
      const r = await run(['reconcile']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`process ${process.pid}`);
    } finally {
      await holder.close();
    }
  });

  it('no API token for the daemon that holds the repository', async () => {
    repo.commit({ 'services/web/deploy.hcl': step('ok', 'true') });
    daemon = await startTestDaemon({ repo: repo.dir });
    const r = await run(['unwind', 'web'], { ORBIT_TOKEN: '' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ORBIT_TOKEN');
  });

  it('a daemon that does not answer', async () => {
    repo.commit({ 'services/web/deploy.hcl': step('ok', 'true') });
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await run(['status'], { ORBIT_DAEMON_URL: url });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(url);
  });
});

describe('a reader that stops reading', () => {
  it('orbit status | head: no EPIPE stack trace, the command still exits with its own code', async () => {
    repo.commit({ 'services/web/deploy.hcl': step('ok', 'true') });
    // The read end of stdout is closed before Orbit writes anything, as `head` does once it has enough.
    const child = spawn(process.execPath, [ORBIT_BIN, 'status'], {
      cwd: repo.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
