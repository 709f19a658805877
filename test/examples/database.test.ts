/**
 * examples/database: the real `sqitch` (Debian's 1.3) run by the exec agent against a real
 * PostgreSQL 15 server, started for these tests from Debian's packages (test/examples/postgres.ts).
 * Nothing stands in.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import type { ConfigRepo } from '../support/config-repo.js';
import { exampleRepo, runReadme, type Shown } from './helpers.js';
import { startPostgres, stopPostgres, type Postgres } from './postgres.js';

// Readable by others: as root the server runs as `postgres`, which must reach its folder below.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'orbit-example-db-'));
chmodSync(tmp, 0o755);
const repos: ConfigRepo[] = [];
let pg: Postgres;

beforeAll(() => {
  pg = startPostgres(mkdtempSync(path.join(tmp, 'pg-')));
});
afterAll(() => {
  pg?.stop();
  // A README run that failed half-way leaves its own server running: stop it.
  for (const d of readdirSync(tmp)) if (d.startsWith('readme-')) stopReadmeServers(path.join(tmp, d));
  for (const r of repos) r.remove();
  rmSync(tmp, { recursive: true, force: true });
});
// sqitch.conf names the database `waffles`: each test starts from an empty one.
beforeEach(() => pg.freshDatabase('waffles'));

function stopReadmeServers(dir: string): void {
  for (const d of readdirSync(dir)) stopPostgres(path.join(dir, d, 'data'));
}

function setup() {
  const repo = exampleRepo('database');
  repos.push(repo);
  const run = (...args: string[]) => orbit(args, { cwd: repo.dir, env: { ORBIT_VAR_pg_host: pg.host } });
  const show = async (id: string) => JSON.parse((await run('show', id, '--json')).stdout) as Shown;
  const change = (name: string) =>
    repo.commit({ 'services/waffle-db/values.hcl': `change = "${name}"\n` }, name);
  return { repo, run, show, change };
}

const tables = () =>
  pg.psql(
    'waffles',
    "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'",
  );
const columns = (table: string) =>
  pg.psql(
    'waffles',
    `SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '${table}'`,
  );
/** The check results of a deployment on the state branch, oldest first: `passing`, `passed`. */
const checkResults = (repo: ConfigRepo, id: string) =>
  repo
    .git('log', '--reverse', '--format=%s', 'orbit/state')
    .split('\n')
    .filter((l) => l.startsWith(`${id}: check verify`));
/** What Sqitch's registry says is deployed, oldest first. */
const deployed = () =>
  pg.psql('waffles', "SELECT string_agg(change, ',' ORDER BY committed_at) FROM sqitch.changes");

describe('examples/database', () => {
  it(
    'deploys up to the change in values.hcl, and reverts to the change recorded before on revert and on unwind',
    { timeout: 120_000 },
    async () => {
      const s = setup();
      expect((await s.run('reconcile')).code).toBe(0);
      expect(tables()).toBe('waffles');
      expect(columns('waffles')).toBe('id,name,price_cents');
      expect(pg.psql('waffles', 'SELECT name, price_cents FROM waffles ORDER BY id')).toBe(
        'classic|450\nbelgian|450',
      );
      expect(deployed()).toBe('waffles,prices');
      // The check `sqitch verify` ran against the same database after migrate, and baked.
      expect(checkResults(s.repo, 'waffle-db-1')).toEqual([
        'waffle-db-1: check verify after migrate passing (exit 0)',
        'waffle-db-1: check verify after migrate passed (exit 0)',
      ]);
      // Nothing was deployed before: its reverse reverts everything.
      const first = await s.show('waffle-db-1');
      expect(first.steps[0]?.outputs).toEqual({ previous_change: '', change: 'prices' });
      expect(first.steps[0]?.reverse_action?.args).toEqual(['sqitch', 'revert', '-y']);

      const bump = s.change('orders');
      expect((await s.run('reconcile')).code).toBe(0);
      expect(tables()).toBe('orders,waffles');
      const second = await s.show('waffle-db-2');
      expect(second.steps[0]?.outputs).toEqual({ previous_change: 'prices', change: 'orders' });
      expect(second.steps[0]?.reverse_action?.args).toEqual(['sqitch', 'revert', '-y', '--to', 'prices']);

      s.repo.revert(bump);
      const reverted = await s.run('reconcile');
      expect(reverted.code).toBe(0);
      expect(reverted.stdout).toContain('waffle-db: unwound waffle-db-2');
      expect(tables()).toBe('waffles');
      expect(deployed()).toBe('waffles,prices');

      expect((await s.run('unwind', 'waffle-db')).code).toBe(0);
      expect(tables()).toBe('');
      expect(deployed()).toBe('');
      // Sqitch's registry names the deployment that did each change.
      expect(
        pg.psql(
          'waffles',
          "SELECT event || ' ' || change || ' ' || committer_name FROM sqitch.events ORDER BY committed_at",
        ),
      ).toBe(
        [
          'deploy waffles Orbit waffle-db-1',
          'deploy prices Orbit waffle-db-1',
          'deploy orders Orbit waffle-db-2',
          'revert orders Orbit waffle-db-2',
          'revert prices Orbit waffle-db-1',
          'revert waffles Orbit waffle-db-1',
        ].join('\n'),
      );
    },
  );

  it(
    'a failing migration: Sqitch reverts what the deploy applied, the deployment fails, database and current stay as they were',
    { timeout: 120_000 },
    async () => {
      const s = setup();
      expect((await s.run('reconcile')).code).toBe(0);
      s.change('toppings'); // deploys orders, then toppings fails on the rows of waffles
      const r = await s.run('reconcile');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('waffle-db: failed waffle-db-2');
      const failed = await s.show('waffle-db-2');
      expect(failed.status).toBe('failed');
      expect(failed.steps[0]?.log).toContain('column "topping" of relation "waffles" contains null values');
      // Sqitch reverted orders: its progress line is on stdout, its "Reverting to" on stderr, and a
      // step's log holds both streams as their chunks arrived, so stderr can land mid-line (a CI
      // run had `- orders .... "psql" … Reverting to prices\nok`). The tables below say it worked.
      expect(failed.steps[0]?.log).toMatch(/- orders \.+ /);
      expect(failed.steps[0]?.log).toContain('Reverting to prices');
      expect(tables()).toBe('waffles');
      expect(columns('waffles')).toBe('id,name,price_cents');
      expect(deployed()).toBe('waffles,prices');
      const status = JSON.parse((await s.run('status', '--json')).stdout) as Array<{
        current: { id: string } | null;
      }>;
      expect(status[0]?.current?.id).toBe('waffle-db-1');

      // Nothing of the failure is in the way of the next deployment.
      s.change('orders');
      expect((await s.run('reconcile')).code).toBe(0);
      expect(tables()).toBe('orders,waffles');
      expect((await s.show('waffle-db-3')).steps[0]?.outputs).toEqual({
        previous_change: 'prices',
        change: 'orders',
      });
    },
  );

  it(
    'a schema that drifted from the plan: the migration succeeds, the verify check fails, the deployment is unwound',
    { timeout: 120_000 },
    async () => {
      const s = setup();
      expect((await s.run('reconcile')).code).toBe(0);
      // By hand, outside Sqitch: prices' column goes. Deploying orders verifies only orders.
      pg.psql('waffles', 'ALTER TABLE waffles DROP COLUMN price_cents');
      s.change('orders');
      const r = await s.run('reconcile');
      expect(r.code).toBe(1);
      const failed = await s.show('waffle-db-2');
      expect(failed.status).toBe('failed');
      expect(failed.steps[0]?.log).toMatch(/\+ orders \.+ ok/);
      expect(checkResults(s.repo, 'waffle-db-2')).toEqual([
        'waffle-db-2: check verify after migrate failed (exit 2, Verify failed)',
      ]);
      expect(s.repo.git('log', '--format=%s', 'orbit/state')).toContain(
        'waffle-db-2: unwound (reason verification-failed)',
      );
      // The unwind ran migrate's reverse: orders is reverted, the database is back at prices.
      expect(tables()).toBe('waffles');
      expect(deployed()).toBe('waffles,prices');
      const status = JSON.parse((await s.run('status', '--json')).stdout) as Array<{
        current: { id: string } | null;
      }>;
      expect(status[0]?.current?.id).toBe('waffle-db-1');
    },
  );

  it(
    'the README walk-through, pasted as written, starts its own server and does what its comments say',
    { timeout: 240_000 },
    async () => {
      const dir = mkdtempSync(path.join(tmp, 'readme-'));
      chmodSync(dir, 0o755); // the README's server folder is made in it
      const r = await runReadme('database', dir);
      expect(r.stderr).not.toMatch(/command not found|No such file|Permission denied/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('waffle-db: succeeded waffle-db-2');
      expect(r.stdout).toContain('output previous_change=prices');
      expect(r.stdout).toContain('waffle-db-1: check verify after migrate passed (exit 0)');
      expect(r.stdout).toContain('waffle-db: unwound waffle-db-2');
      expect(r.stdout).toContain('exit 1: toppings failed; Sqitch reverted orders with it');
      expect(r.stdout).toContain('waffle-db-1: unwound (reason user)');
      expect(r.stdout).toMatch(/^ revert \| waffles {2}\| Orbit waffle-db-1$/m);
      expect(r.stdout).toContain('server stopped');
    },
  );
});
