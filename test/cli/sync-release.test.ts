/**
 * `orbit status`, `orbit sync` and `orbit release` through the real executable, without a
 * daemon: the table, the hold line, and the exit codes (2 for an unknown service, 0 and a
 * sentence when there is nothing to do, 1 when a held service is refused).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';

let repo: ConfigRepo;
let trace: Trace;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
});

afterEach(() => repo.remove());

const run = (...args: string[]) => orbit([...args, '--repo', repo.dir], { env: { ORBIT_USER: 'bob' } });

describe('orbit status, sync and release', () => {
  it('shows a held service, refuses to sync it, and releases it on request', async () => {
    const c1 = repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['deploy']),
      'services/web/values.hcl': values('1'),
    });
    expect((await run('reconcile')).code).toBe(0);
    const c2 = repo.commit({ 'services/web/values.hcl': values('2') });
    expect((await run('reconcile')).code).toBe(0);
    expect((await run('unwind', 'web')).code).toBe(0);

    const status = await run('status');
    expect(status.code).toBe(0);
    const lines = status.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+SYNC\s+HEALTH\s+CURRENT\s+COMMIT\s+BRANCH\s+HOLD$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^web\\s+out-of-sync\\s+healthy\\s+web-1\\s+${c1.slice(0, 7)}\\s+${c2.slice(0, 7)}\\s+held \\(user\\)$`,
      ),
    );
    expect(lines[1]!.indexOf('healthy')).toBe(lines[0]!.indexOf('HEALTH'));
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(/^web: out-of-sync: unwound away from the branch: web-2 unwound \(bob, /),
      expect.stringMatching(
        /^web: on hold: web-2 unwound \(bob, .*\)\. Orbit will not deploy web by itself until a new commit touches it, `orbit redeploy web`, or `orbit release web`$/,
      ),
    ]);
    const json = JSON.parse((await run('status', '--json')).stdout) as unknown;
    expect(json).toMatchObject([
      {
        service: 'web',
        sync: 'out-of-sync',
        sync_reason: { code: 'unwound' },
        health: 'healthy',
        hold: { author: 'bob' },
      },
    ]);

    const refused = await run('sync', 'web');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('orbit: web is on hold: web-2 unwound (bob,');
    expect(refused.stderr).toContain('`orbit sync web --release`');
    trace.next();

    const released = await run('release', 'web');
    expect(released.code).toBe(0);
    expect(released.stdout).toContain('web: web-3 succeeded (hold released)');
    expect(trace.next()).toEqual(['+deploy:2']);

    const nothing = await run('sync', 'web');
    expect(nothing).toMatchObject({ code: 0 });
    expect(nothing.stdout).toContain(`web is synced with the branch at ${c2.slice(0, 7)}: nothing to deploy`);
    expect((await run('release', 'web')).stdout).toContain('nothing to deploy');
    const all = await run('sync', '--all');
    expect(all).toMatchObject({ code: 0 });
    expect(all.stdout).toContain('every service is synced with the branch: nothing to deploy');
    expect(trace.next()).toEqual([]);
  });

  it('exits 2 for an unknown service or a missing argument, with a message and no stack trace', async () => {
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['deploy']),
      'services/web/values.hcl': values('1'),
    });
    for (const args of [
      ['sync', 'nope'],
      ['release', 'nope'],
      ['sync', '--all', '--release', 'nope'],
      ['sync'],
    ]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        /^orbit: (no service nope in the log or on the branch|name one service, or give --all)\n/,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
