import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import {
  openStateLog,
  recordPath,
  serviceDir,
  servicePath,
  STATE_FORMAT_VERSION,
  upgradeServiceView,
} from '../../src/state/index.js';
import { isOrbitError } from '../../src/util/errors.js';
import { Trace } from '../support/config-repo.js';
import { commitTree, entry, gitOut, tempRepo } from './helpers.js';

/**
 * Written by Orbit before format 2 (see test/fixtures/README.md): web-1..3 deployed, unwound twice;
 * services flat under `services/` (before format 3).
 */
const BUNDLE = fileURLToPath(new URL('../fixtures/state-format-1.bundle', import.meta.url));

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-format-'));
  execFileSync('git', ['clone', '-q', '--mirror', BUNDLE, path.join(dir, '.git')]);
  execFileSync('git', ['-C', dir, 'config', 'core.bare', 'false']);
  execFileSync('git', ['-C', dir, 'checkout', '-q', 'main']);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const show = (ref: string): Record<string, unknown> =>
  JSON.parse(gitOut(dir, ['show', `orbit/state:${ref}`])) as Record<string, unknown>;

describe('a log written in state format 1', () => {
  it('is read as the current format: what redeploy re-applies, and what replaced each deployment', async () => {
    // The fixture really is format 1: the old names, no version.
    expect(show('services/web/current.json')).toMatchObject({ next: 'web-2' });
    expect(show('services/web/current.json').format_version).toBeUndefined();

    const log = await openStateLog({ dir, readOnly: true });
    try {
      expect(await log.service('web')).toMatchObject({
        format_version: STATE_FORMAT_VERSION,
        current: 'web-1',
        redeployable: 'web-2',
      });
      expect(await log.service('web')).not.toHaveProperty('next');
      const web1 = await log.deployment('web-1');
      expect(web1).toMatchObject({ replaced_by: 'web-2', status: 'succeeded' });
      expect(web1).not.toHaveProperty('superseded_by');
      expect(web1).not.toHaveProperty('next_deploy_id');
      expect(await log.deployment('web-2')).toMatchObject({ replaced_by: 'web-3', status: 'unwound' });
      const entries = [];
      for await (const { entry } of log.history({ service: 'web' })) entries.push(entry);
      expect(entries).toHaveLength(18);
      expect(
        entries.every((e) => e.format_version === STATE_FORMAT_VERSION && !('next_deploy_id' in e)),
      ).toBe(true);
    } finally {
      await log.close();
    }
  });

  it('goes on in the current format: redeploy walks forward along what format 1 recorded', async () => {
    const trace = new Trace();
    const engine = await openEngine({ repoDir: dir, env: { ORBIT_VAR_trace: trace.file } });
    try {
      expect((await engine.redeploy('web', 'Bob')).redeploy_of).toBe('web-2');
      // web-2's forward link (format 1's next_deploy_id) says what comes after it: web-3.
      expect(await engine.state.service('web')).toMatchObject({ current: 'web-4', redeployable: 'web-3' });
      expect((await engine.redeploy('web', 'Bob')).redeploy_of).toBe('web-3');
      expect(await engine.state.service('web')).toMatchObject({ current: 'web-5', redeployable: null });
      expect(trace.lines()).toEqual(['+release:2', '+release:3']);
      await engine.unwind('web', 'Bob');
      expect(trace.lines()).toEqual(['+release:2', '+release:3', '-release:3']);
    } finally {
      await engine.close();
    }
    // What was rewritten is in the current format; what was not stays as format 1 wrote it.
    const current = servicePath('web').join('/');
    expect(show(current)).toMatchObject({ format_version: STATE_FORMAT_VERSION, redeployable: 'web-5' });
    expect(show(current)).not.toHaveProperty('next');
    expect(show(recordPath('web-4').join('/'))).toMatchObject({
      format_version: STATE_FORMAT_VERSION,
      replaced_by: 'web-5',
    });
    expect(show(recordPath('web-3').join('/'))).toMatchObject({
      next_deploy_id: null,
      superseded_by: null,
    });
    expect(show('entry.json')).toMatchObject({
      format_version: STATE_FORMAT_VERSION,
      kind: 'deploy-unwound',
    });
  });

  it('a file written by a newer format is refused with E_STATE_FORMAT, not misread', () => {
    const newer = { ...show('services/web/current.json'), format_version: 99 };
    const err = (() => {
      try {
        return upgradeServiceView(newer, 'services/web/current.json');
      } catch (e) {
        return e;
      }
    })();
    expect(isOrbitError(err, 'E_STATE_FORMAT')).toBe(true);
    expect((err as { data: unknown }).data).toMatchObject({
      format_version: 99,
      supported: STATE_FORMAT_VERSION,
    });
  });
});

/** Written by Orbit at e62b5cc (format 2, see test/fixtures/README.md): web, api and db, flat. */
const FLAT = fileURLToPath(new URL('../fixtures/state-format-2-flat.bundle', import.meta.url));

describe('a log written before format 3 (services flat under services/)', () => {
  it('is read as it is, and its first new entry moves every service into its shard in that one commit', async () => {
    execFileSync('git', ['clone', '-q', '--mirror', FLAT, path.join(dir, 'flat.git')]);
    const flatDir = path.join(dir, 'flat.git');
    const at = (rev: string, p: string[]): string =>
      gitOut(flatDir, ['rev-parse', `${rev}:${p.join('/')}`]).trim();
    const before = {
      web: at('orbit/state', ['services', 'web']),
      api: at('orbit/state', ['services', 'api']),
    };
    const all = ['api', 'db', 'web'];

    const reader = await openStateLog({ dir: flatDir, readOnly: true });
    const writer = await openStateLog({ dir: flatDir });
    try {
      for (const log of [reader, writer]) {
        expect((await log.services()).map((s) => s.service_id).sort()).toEqual(all);
        expect(await log.service('db')).toMatchObject({
          current: 'db-2',
          format_version: STATE_FORMAT_VERSION,
        });
        expect((await log.unwindPlan('web-2')).map((s) => s.step_name)).toEqual(['deploy', 'migrate']);
        expect(await log.stepLog('api-1', 1)).toBe('deploy forward output\n');
      }
      await writer.append(entry('service-held', { service_id: 'db', deploy_id: 'db-2', reason: 'user' }));
      // The reader follows the writer across the change of layout.
      expect((await reader.service('db'))?.hold).toMatchObject({ deploy_id: 'db-2', reason: 'user' });
      expect((await reader.services()).map((s) => s.service_id).sort()).toEqual(all);
      expect(await reader.stepLog('api-1', 1)).toBe('deploy forward output\n');
      await writer.append(entry('commit-seen', { service_id: '', config_commit: 'c9' }));
    } finally {
      await reader.close();
      await writer.close();
    }

    // One commit moved them all; the services its entry did not touch keep their trees' oids.
    expect(at('orbit/state~1', serviceDir('web'))).toBe(before.web);
    expect(at('orbit/state~1', serviceDir('api'))).toBe(before.api);
    const shards = gitOut(flatDir, ['ls-tree', '--name-only', 'orbit/state~1', 'services/']);
    expect(shards.trim().split('\n')).toEqual(
      [...new Set(all.map((n) => `services/${serviceDir(n)[1]}`))].sort(),
    );
    const show = (p: string[]): Record<string, unknown> =>
      JSON.parse(gitOut(flatDir, ['show', `orbit/state:${p.join('/')}`])) as Record<string, unknown>;
    expect(show(servicePath('db'))).toMatchObject({ format_version: STATE_FORMAT_VERSION });
    expect(show(recordPath('web-2'))).toMatchObject({ format_version: 2, status: 'succeeded' });
    expect(gitOut(flatDir, ['show', 'orbit/state:format.json'])).toContain('sha1(<service>)');
    gitOut(flatDir, ['fsck', '--full', '--strict', '--no-dangling']);

    // And it reads back after a reopen, now sharded, services in the same order as a flat tree's
    // (db's shard, 03, comes before api's, a0).
    const again = await openStateLog({ dir: flatDir, readOnly: true });
    try {
      expect((await again.services()).map((s) => s.service_id)).toEqual(all);
      expect((await again.service('db'))?.hold).toMatchObject({ deploy_id: 'db-2' });
      expect(await again.deployment('web-1')).toMatchObject({ replaced_by: 'web-2' });
    } finally {
      await again.close();
    }
  });

  it('a tree whose format.json says a newer format is refused at open, by readers and writers', async () => {
    const repo = tempRepo();
    const log = await openStateLog({ dir: repo });
    await log.append(entry('commit-seen', { service_id: '', config_commit: 'c1' }));
    await log.close();
    // A newer Orbit's layout, made with git's plumbing (and trusted: no `.last` to compare with).
    const env = { ...process.env, GIT_INDEX_FILE: path.join(repo, '.git', 'tmp.index') };
    const git = (args: string[], input?: string): string =>
      execFileSync('git', ['-C', repo, ...args], { env, encoding: 'utf8', input }).trim();
    git(['read-tree', 'orbit/state']);
    const blob = git(['hash-object', '-w', '--stdin'], '{"format_version": 99}\n');
    git(['update-index', '--cacheinfo', `100644,${blob},format.json`]);
    const commit = commitTree(repo, git(['write-tree']), 'orbit/state', 'newer');
    git(['update-ref', 'refs/heads/orbit/state', commit]);
    unlinkSync(path.join(repo, '.git', 'orbit', 'orbit%2Fstate.last'));
    for (const readOnly of [true, false]) {
      const err = await openStateLog({ dir: repo, readOnly }).then(
        async (l) => {
          await l.close();
          return null;
        },
        (e: unknown) => e,
      );
      expect(isOrbitError(err, 'E_STATE_FORMAT')).toBe(true);
    }
    rmSync(repo, { recursive: true, force: true });
  });
});
