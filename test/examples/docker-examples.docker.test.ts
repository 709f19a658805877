import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerReady, exampleRepo, withExampleEngine } from './helpers.js';
import type { ConfigRepo } from '../support/config-repo.js';

const ready = await dockerReady();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'orbit-example-data-'));
const repos: ConfigRepo[] = [];
afterAll(() => {
  for (const r of repos) r.remove();
  rmSync(tmp, { recursive: true, force: true });
});

const statuses = (o: { outcomes: Array<{ deployId: string | null; status: string }> }) =>
  o.outcomes.map((x) => `${x.deployId}:${x.status}`);

describe.runIf(ready)('examples/capistrano', () => {
  it(
    'switches current between release directories, keeps 3 releases, rolls back on unwind',
    { timeout: 60_000 },
    async () => {
      const repo = exampleRepo('capistrano');
      repos.push(repo);
      const deployTo = path.join(tmp, 'shop');
      const env = { ORBIT_VAR_deploy_to: deployTo };
      const current = () => readlinkSync(path.join(deployTo, 'current'));
      await withExampleEngine(repo, env, async (engine) => {
        expect(statuses(await engine.reconcile())).toEqual(['shop-1:succeeded']);
        expect(current()).toBe('releases/0001-1.0.0');
        for (const v of ['1.1.0', '1.2.0', '1.3.0'])
          repo.commit({ 'services/shop/values.hcl': `version = "${v}"\n` }, v);
        expect(statuses(await engine.reconcile())).toEqual([
          'shop-2:succeeded',
          'shop-3:succeeded',
          'shop-4:succeeded',
        ]);
        expect(current()).toBe('releases/0004-1.3.0');
        expect(readdirSync(path.join(deployTo, 'releases'))).toEqual([
          '0002-1.1.0',
          '0003-1.2.0',
          '0004-1.3.0',
        ]);

        const d = await engine.unwind('shop', 'test');
        expect(d.status).toBe('unwound');
        expect(current()).toBe('releases/0003-1.2.0');
        expect(readdirSync(path.join(deployTo, 'releases'))).toEqual(['0002-1.1.0', '0003-1.2.0']);
        expect(readFileSync(path.join(deployTo, 'current/VERSION'), 'utf8').trim()).toBe('1.2.0');

        expect((await engine.unwind('shop', 'test')).status).toBe('unwound');
        expect(current()).toBe('releases/0002-1.1.0');
        // shop-1's release was pruned by keep_releases: the rollback refuses rather than leave
        // no `current` while the log says shop-1 is current.
        const past = await engine.unwind('shop', 'test');
        expect(past.deploy_id).toBe('shop-2');
        expect(past.status).toBe('unwind-failed');
        expect(current()).toBe('releases/0002-1.1.0');
        expect(readdirSync(path.join(deployTo, 'releases'))).toEqual(['0002-1.1.0']);
        expect((await engine.state.service('shop'))?.current).toBe('shop-2');
      });
    },
  );

  it(
    'unwinds release by release to the beginning while the releases are kept',
    { timeout: 60_000 },
    async () => {
      const repo = exampleRepo('capistrano');
      repos.push(repo);
      const deployTo = path.join(tmp, 'shop-to-the-beginning');
      const current = () => readlinkSync(path.join(deployTo, 'current'));
      await withExampleEngine(repo, { ORBIT_VAR_deploy_to: deployTo }, async (engine) => {
        await engine.reconcile();
        repo.commit({ 'services/shop/values.hcl': 'version = "1.1.0"\n' }, '1.1.0');
        expect(statuses(await engine.reconcile())).toEqual(['shop-2:succeeded']);
        expect(current()).toBe('releases/0002-1.1.0');

        expect((await engine.unwind('shop', 'test')).status).toBe('unwound');
        expect(current()).toBe('releases/0001-1.0.0');
        expect((await engine.unwind('shop', 'test')).status).toBe('unwound');
        expect(existsSync(path.join(deployTo, 'current'))).toBe(false);
        expect(readdirSync(path.join(deployTo, 'releases'))).toEqual([]);
        expect((await engine.state.service('shop'))?.current).toBeNull();
      });
    },
  );
});

describe.runIf(ready)('examples/database', () => {
  it(
    'migrates a real SQLite database up and, on revert and unwind, down again',
    { timeout: 60_000 },
    async () => {
      const repo = exampleRepo('database');
      repos.push(repo);
      const dataDir = path.join(tmp, 'db');
      const db = path.join(dataDir, 'app.db');
      // Read the schema through the same image (sqlite3 may not be installed on the host).
      const tables = () =>
        execFileSync(
          'docker',
          [
            'run',
            '--rm',
            '-v',
            `${dataDir}:/data`,
            '--entrypoint',
            'sqlite3',
            'orbit-example/migrate:latest',
            '/data/app.db',
            "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name);",
          ],
          { encoding: 'utf8' },
        ).trim();
      await withExampleEngine(repo, { ORBIT_VAR_data_dir: dataDir }, async (engine) => {
        expect(statuses(await engine.reconcile())).toEqual(['waffle-db-1:succeeded']);
        expect(existsSync(db)).toBe(true);
        expect(tables()).toBe('schema_migrations waffles');
        const record = await engine.state.deployment('waffle-db-1');
        expect(record?.steps[1]?.outputs).toEqual({ version: '2' });

        const bump = repo.commit({ 'services/waffle-db/values.hcl': 'schema_version = 3\n' }, 'orders table');
        expect(statuses(await engine.reconcile())).toEqual(['waffle-db-2:succeeded']);
        expect(tables()).toBe('orders schema_migrations waffles');

        repo.revert(bump);
        expect(statuses(await engine.reconcile())).toEqual(['waffle-db-2:unwound']);
        expect(tables()).toBe('schema_migrations waffles');

        await engine.unwind('waffle-db', 'test');
        expect(tables()).toBe('schema_migrations');
      });
    },
  );
});

describe.runIf(ready)('examples/docker-socket', () => {
  const docker = new Docker();
  const container = `orbit-example-hello-${process.pid}`;
  beforeAll(async () => {
    await docker
      .getContainer(container)
      .remove({ force: true })
      .catch(() => undefined);
  });
  afterAll(async () => {
    await docker
      .getContainer(container)
      .remove({ force: true })
      .catch(() => undefined);
  });
  const image = async () => (await docker.getContainer(container).inspect()).Config.Image;

  it(
    'starts, replaces and on unwind restores or removes a service container through the socket',
    { timeout: 60_000 },
    async () => {
      const repo = exampleRepo('docker-socket');
      repos.push(repo);
      await withExampleEngine(repo, { ORBIT_VAR_container: container }, async (engine) => {
        expect(statuses(await engine.reconcile())).toEqual(['hello-1:succeeded']);
        expect(await image()).toBe('orbit-example/hello:1.0');

        repo.commit({ 'services/hello/values.hcl': 'version = "2.0"\n' }, 'hello 2.0');
        expect(statuses(await engine.reconcile())).toEqual(['hello-2:succeeded']);
        expect(await image()).toBe('orbit-example/hello:2.0');
        const log = await engine.state.stepLog('hello-2', 0);
        expect(log).toContain('health check passed: hello from version 2.0');

        await engine.unwind('hello', 'test');
        expect(await image()).toBe('orbit-example/hello:1.0');
        await engine.unwind('hello', 'test');
        await expect(docker.getContainer(container).inspect()).rejects.toMatchObject({ statusCode: 404 });
      });
    },
  );
});
