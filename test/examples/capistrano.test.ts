/**
 * examples/capistrano: the real `cap` (Debian's capistrano 3.17) run by the exec agent, its local
 * stage deploying tags of a real git repository into release folders. Nothing stands in.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import type { ConfigRepo } from '../support/config-repo.js';
import { exampleRepo, runReadme, type Shown } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'orbit-example-cap-'));
const repos: ConfigRepo[] = [];
afterAll(() => {
  for (const r of repos) r.remove();
  rmSync(tmp, { recursive: true, force: true });
});

/** The app Capistrano deploys: a git repository with the tag v<version> for each version. */
function appRepo(dir: string, versions: string[]): string {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=Ann', '-c', 'user.email=ann@example.com', ...args]);
  git('init', '-q', '-b', 'main');
  for (const v of versions) {
    writeFileSync(path.join(dir, 'index.html'), `<h1>shop ${v}</h1>\n`);
    git('add', '-A');
    git('commit', '-q', '-m', `shop ${v}`);
    git('tag', `v${v}`);
  }
  return dir;
}

/** The example as a config repository, and `orbit` run at its root (where `cap_dir` is relative to). */
function setup(name: string, vars: Record<string, string> = {}) {
  const base = path.join(tmp, name);
  const deployTo = path.join(base, 'shop');
  const env = {
    ORBIT_VAR_app_repo: appRepo(path.join(base, 'app'), ['1.0.0', '1.1.0', '1.2.0', '1.3.0']),
    ORBIT_VAR_deploy_to: deployTo,
    ...vars,
  };
  const repo = exampleRepo('capistrano');
  repos.push(repo);
  const run = (...args: string[]) => orbit(args, { cwd: repo.dir, env });
  const show = async (id: string) => JSON.parse((await run('show', id, '--json')).stdout) as Shown;
  const current = () => path.basename(readlinkSync(path.join(deployTo, 'current')));
  const served = () => readFileSync(path.join(deployTo, 'current/index.html'), 'utf8').trim();
  const releases = () => readdirSync(path.join(deployTo, 'releases')).sort();
  const release = (version: string) => {
    repo.commit({ 'services/shop/values.hcl': `version = "${version}"\n` }, `shop ${version}`);
  };
  return { repo, deployTo, run, show, current, served, releases, release };
}

describe('examples/capistrano', () => {
  it(
    'deploys with cap, rolls back to the release each forward recorded, and stops where keep_releases pruned',
    { timeout: 120_000 },
    async () => {
      const s = setup('walk-back');
      expect((await s.run('reconcile')).code).toBe(0);
      const first = s.current();
      expect(first).toMatch(/^\d{14}$/); // Capistrano's own release name
      expect(s.served()).toBe('<h1>shop 1.0.0</h1>');

      for (const v of ['1.1.0', '1.2.0', '1.3.0']) s.release(v);
      const r = await s.run('reconcile');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('shop: succeeded shop-4');
      expect(s.served()).toBe('<h1>shop 1.3.0</h1>');
      // keep_releases = 3: shop-1's release folder is gone.
      const kept = s.releases();
      expect(kept).toHaveLength(3);
      expect(kept).not.toContain(first);

      // Each forward recorded the release current pointed at before it, and its reverse rolls
      // back to exactly that one.
      const [r2, r3, r4] = kept;
      const shop4 = await s.show('shop-4');
      expect(shop4.steps[0]?.outputs).toMatchObject({ release: r4, previous_release: r3 });
      expect(shop4.steps[0]?.reverse_action?.args).toEqual([
        'cap',
        'local',
        'deploy:rollback',
        `ROLLBACK_RELEASE=${r3}`,
      ]);

      expect((await s.run('unwind', 'shop')).code).toBe(0);
      expect(s.current()).toBe(r3);
      expect(s.served()).toBe('<h1>shop 1.2.0</h1>');
      expect(s.releases()).toEqual([r2, r3]); // Capistrano's cleanup_rollback archived r4
      expect(existsSync(path.join(s.deployTo, `rolled-back-release-${r4}.tar.gz`))).toBe(true);

      expect((await s.run('unwind', 'shop')).code).toBe(0);
      expect(s.current()).toBe(r2);
      expect(s.served()).toBe('<h1>shop 1.1.0</h1>');

      // shop-1's release was pruned: Capistrano refuses, nothing changes, a human decides.
      const past = await s.run('unwind', 'shop');
      expect(past.code).toBe(1);
      expect(past.stdout).toContain('shop-2: unwind failed');
      expect(s.current()).toBe(r2);
      const shop2 = await s.show('shop-2');
      expect(shop2.status).toBe('unwind-failed');
      expect(shop2.steps[0]?.log).toContain('There are no older releases to rollback to');

      const log = readFileSync(path.join(s.deployTo, 'revisions.log'), 'utf8');
      expect(log).toContain(`Branch v1.3.0 (at `);
      expect(log).toContain(`deployed as release ${r4} by orbit shop-4`);
      expect(log).toContain(`orbit shop-4 rolled back to release ${r3}`);
    },
  );

  it(
    'a failed cap deploy changes nothing; with keep_releases = 5 unwinds reach the beginning, where current goes away',
    { timeout: 120_000 },
    async () => {
      const s = setup('to-the-beginning', { ORBIT_VAR_keep_releases: '5' });
      expect((await s.run('reconcile')).code).toBe(0);
      const first = s.current();
      s.release('1.1.0');
      expect((await s.run('reconcile')).code).toBe(0);
      expect(s.served()).toBe('<h1>shop 1.1.0</h1>');
      const second = s.current();
      expect((await s.show('shop-1')).steps[0]?.reverse_action?.args).toEqual([
        'cap',
        'local',
        'orbit:unpublish',
      ]);

      // No tag v9.9.9: cap fails half-way, leaving its new release folder behind, and current
      // where it was. A plain `deploy:rollback` would now pick that folder's neighbour; the
      // recorded ROLLBACK_RELEASE still goes back to shop-1's release.
      s.release('9.9.9');
      const failed = await s.run('reconcile');
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain('shop: failed shop-3');
      expect(s.current()).toBe(second);
      expect(s.releases()).toHaveLength(3);

      expect((await s.run('unwind', 'shop')).code).toBe(0);
      expect(s.current()).toBe(first);
      expect(s.served()).toBe('<h1>shop 1.0.0</h1>');
      expect((await s.run('unwind', 'shop')).code).toBe(0);
      expect(existsSync(path.join(s.deployTo, 'current'))).toBe(false);
      const status = JSON.parse((await s.run('status', '--json')).stdout) as Array<{
        current: { id: string } | null;
      }>;
      expect(status[0]?.current).toBeNull();

      // And forward again: redeploy runs cap deploy once more, as a new release.
      expect((await s.run('redeploy', 'shop')).code).toBe(0);
      expect(s.served()).toBe('<h1>shop 1.0.0</h1>');
      expect(s.current()).not.toBe(first);
    },
  );

  it(
    'the README walk-through, pasted as written, does what its comments say',
    { timeout: 180_000 },
    async () => {
      const dir = mkdtempSync(path.join(tmp, 'readme-'));
      const r = await runReadme('capistrano', dir);
      expect(r.stderr).not.toMatch(/command not found|No such file/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('shop: succeeded shop-4');
      // `cat current/index.html` after each step: 1.3.0, unwound to 1.2.0, 1.1.0, then unchanged.
      expect(r.stdout.match(/<h1>shop [\d.]+<\/h1>/g)).toEqual([
        '<h1>shop 1.3.0</h1>',
        '<h1>shop 1.2.0</h1>',
        '<h1>shop 1.1.0</h1>',
        '<h1>shop 1.1.0</h1>',
      ]);
      expect(r.stdout).toContain("exit 1: shop-1's release was pruned (keep_releases = 3)");
      expect(r.stdout).toMatch(/^shop +out-of-sync +unwind-failed +shop-2 /m);
      expect(r.stdout).toMatch(/deployed as release \d{14} by orbit shop-4/);
    },
  );
});
