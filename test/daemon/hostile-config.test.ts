import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ORBIT_BIN } from '../support/cli.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { bomb } from '../support/hostile-hcl.js';
import { api, TOKEN, waitFor } from './helpers.js';

interface Child {
  proc: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exit: Promise<number | null>;
}

function spawnDaemon(repo: string, evalTimeout: string): Child {
  const proc = spawn(
    process.execPath,
    [ORBIT_BIN, 'daemon', '--repo', repo, '--listen', '127.0.0.1:0', '--eval-timeout', evalTimeout],
    { env: { ...process.env, ORBIT_TOKEN: TOKEN, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      try {
        lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
      } catch {
        lines.push({ msg: buf.slice(0, i) });
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => lines.push({ stderr: d.toString() }));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  children.push({ proc, lines, exit });
  return { proc, lines, exit };
}

const urlOf = (c: Child) =>
  waitFor(
    'daemon url',
    () => c.lines.find((l) => l.msg === 'orbit daemon listening')?.url as string | undefined,
    60_000,
  );

/** A /healthz answer given while the bomb was being evaluated (it says so itself). */
const healthzDuringBomb = (url: string) =>
  waitFor(
    'a /healthz answered while bomb is evaluated',
    async () => {
      const r = await api({ url }, 'GET', '/healthz');
      return r.status === 200 && r.body.evaluating?.service === 'bomb' ? r : null;
    },
    60_000,
  );

const children: Child[] = [];
const repo = new ConfigRepo();
const trace = new Trace();

afterEach(() => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
});
afterAll(() => repo.remove());

describe('hostile config evaluated by the daemon', () => {
  it('keeps answering, deploys the good service, rejects the hostile one with E_EVAL_LIMIT, and stops on SIGTERM', async () => {
    const first = repo.commit({
      'services/good/deploy.hcl': tracedService(trace, ['deploy']),
      'services/good/values.hcl': values('1'),
      'services/bomb/deploy.hcl': bomb('v1'),
    });
    let daemon = spawnDaemon(repo.dir, '3s');
    let url = await urlOf(daemon);

    const during = await healthzDuringBomb(url);
    expect(during.body).toMatchObject({ status: 'ok', evaluating: { service: 'bomb', commit: first } });

    const rejected = await waitFor(
      'bomb rejected',
      async () => {
        const h = await api({ url }, 'GET', '/api/services/bomb/history');
        return h.status === 200
          ? h.body.entries.find((x: { entry: { kind: string } }) => x.entry.kind === 'commit-rejected')
          : null;
      },
      60_000,
    );
    expect(rejected.entry).toMatchObject({ config_commit: first, error: { code: 'E_EVAL_LIMIT' } });
    await waitFor(
      'good-1 deployed',
      async () => (await api({ url }, 'GET', '/api/services/good')).body.current?.id === 'good-1',
      60_000,
    );
    expect(trace.lines()).toEqual(['+deploy:1']);

    // SIGTERM while a runaway evaluation runs, with a limit far away: the daemon stops now, exit 0.
    daemon.proc.kill('SIGTERM');
    expect(await daemon.exit).toBe(0);
    const second = repo.commit({ 'services/bomb/deploy.hcl': bomb('v2') });
    daemon = spawnDaemon(repo.dir, '10m');
    url = await urlOf(daemon);
    expect((await healthzDuringBomb(url)).body.evaluating.commit).toBe(second);
    daemon.proc.kill('SIGTERM');
    expect(await daemon.exit).toBe(0);
    // Nothing was recorded for the interrupted evaluation: the next start evaluates it again.
    const log = repo.git('log', '--format=%s', 'orbit/state');
    expect(log).not.toContain(second.slice(0, 7));
    expect(daemon.lines.some((l) => l.msg === 'stopped; state lock released')).toBe(true);
  }, 240_000);
});
