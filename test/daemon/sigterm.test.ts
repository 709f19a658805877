import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORBIT_BIN } from '../support/cli.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { api, TOKEN, waitFor } from './helpers.js';

interface Child {
  proc: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exit: Promise<number | null>;
}

/** The real `orbit daemon`, as an operator (or a container runtime) starts it. */
function spawnDaemon(repo: string): Child {
  const proc = spawn(process.execPath, [ORBIT_BIN, 'daemon', '--repo', repo, '--listen', '127.0.0.1:0'], {
    env: { ...process.env, ORBIT_TOKEN: TOKEN, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ msg: line });
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => lines.push({ stderr: d.toString() }));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, lines, exit };
}

const urlOf = (c: Child) =>
  waitFor(
    'daemon url',
    () => c.lines.find((l) => l.msg === 'orbit daemon listening')?.url as string | undefined,
  );

let repo: ConfigRepo;
let trace: Trace;
const children: Child[] = [];

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
});

afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  repo.remove();
});

describe('SIGTERM', () => {
  it('lets the running step finish, refuses new work, releases the lock and exits 0; the next start goes on', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['migrate', 'deploy'], { sleep: 1 }),
      'services/web/values.hcl': values('1'),
    });
    const first = spawnDaemon(repo.dir);
    children.push(first);
    const url = await urlOf(first);
    await waitFor(
      'step running',
      () => first.lines.find((l) => l.event === 'step-started' && l.step === 'web-1/0-migrate'),
      30_000,
    );

    first.proc.kill('SIGTERM');
    await waitFor('shutdown begun', () => first.lines.find((l) => String(l.msg).startsWith('shutting down')));
    // While it drains: nothing new is accepted, and a commit now waits for the next start.
    expect(await api({ url }, 'POST', '/api/services/web/unwind')).toMatchObject({
      status: 503,
      body: { error: { code: 'E_SHUTTING_DOWN' } },
    });
    expect((await api({ url }, 'GET', '/healthz')).status).toBe(503);
    repo.commit({ 'services/web/values.hcl': values('2') });

    expect(await first.exit).toBe(0);
    // The running deployment finished: nothing was aborted, nothing is left in flight.
    expect(trace.next()).toEqual(['+migrate:1', '+deploy:1']);
    expect(first.lines.some((l) => l.event === 'deploy-succeeded' && l.deployment === 'web-1')).toBe(true);
    const orbitDir = path.join(repo.dir, '.git', 'orbit');
    expect(existsSync(path.join(orbitDir, 'orbit%2Fstate.owner.json'))).toBe(false);
    expect(existsSync(path.join(orbitDir, 'orbit%2Fstate.daemon.json'))).toBe(false);
    expect(existsSync(path.join(orbitDir, 'orbit%2Fstate.writer.lock'))).toBe(false);

    // The next start picks up the commit that arrived meanwhile (the cursor says where it left off).
    const second = spawnDaemon(repo.dir);
    children.push(second);
    await waitFor(
      'web-2 deployed',
      () => second.lines.find((l) => l.event === 'deploy-succeeded' && l.deployment === 'web-2'),
      30_000,
    );
    expect(trace.next()).toEqual(['+migrate:2', '+deploy:2']);
    second.proc.kill('SIGINT');
    expect(await second.exit).toBe(0);
  }, 60_000);
});
