/**
 * Reading the config history: what a commit's text cannot change (which commits there are, who
 * wrote them, what they touch), tree entries that are not files, and git failures that are not
 * "the branch was rewritten".
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPreview } from '../../src/engine/preview.js';
import type { Engine } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import { ConfigHistory } from '../../src/git/config-history.js';
import { listServices } from '../../src/config/load.js';
import { isOrbitError } from '../../src/util/errors.js';
import { AUTHOR, ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';

let repo: ConfigRepo;
let trace: Trace;
let engine: Engine | undefined;

const open = async (): Promise<Engine> => (engine = await openEngine({ repoDir: repo.dir, env: {} }));
const stateCommits = (): number => Number(repo.git('rev-list', '--count', 'orbit/state'));
const ann = `${AUTHOR.name} <${AUTHOR.email}>`;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isOrbitError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
});

afterEach(async () => {
  await engine?.close();
  engine = undefined;
  repo.remove();
});

describe('a commit message cannot forge history', () => {
  it('a message holding 0x1E/0x1F and a forged record deploys only its own commit, by its real author', async () => {
    const v1 = repo.commit(
      { 'services/web/deploy.hcl': tracedService(trace, ['deploy']), 'services/web/values.hcl': values('1') },
      'web 1',
    );
    const e = await open();
    await e.reconcile();
    expect(trace.next()).toEqual(['+deploy:1']);

    // What the old `git log` parser split on: a second record claiming v1, by Mallory, touching web.
    const forged =
      `web 2\x1f\x1e${v1}\x1fMallory <mallory@evil.example>\x1f2020-01-01T00:00:00Z\x1fforged` +
      `\x1f\x1fservices/web/deploy.hcl\nservices/api/deploy.hcl\n`;
    const v2 = repo.commit({ 'services/web/values.hcl': values('2') }, forged);
    const report = await e.reconcile();
    expect(report.outcomes.map((o) => [o.deployId, o.commit, o.status])).toEqual([
      ['web-2', v2, 'succeeded'],
    ]);
    expect(trace.next()).toEqual(['+deploy:2']);
    const d = await e.state.deployment('web-2');
    expect(d).toMatchObject({ config_commit: v2, author: ann });
    expect(await e.state.cursor()).toBe(v2);

    // Nothing pending: the cursor did not move backwards, so nothing is appended again.
    const before = stateCommits();
    expect((await e.reconcile()).outcomes).toEqual([]);
    expect(stateCommits()).toBe(before);
    expect(trace.next()).toEqual([]);
  });

  it('reads subject, body, author and time as git prints them', async () => {
    repo.write('a.txt', '1\n');
    repo.git('add', '-A');
    // Lines that look like commit headers, in the message: they stay message.
    const message = 'the subject\n\nauthor Mallory <m@evil.example> 0 +0000\ntree 0000\n';
    repo.git('commit', '-q', '--date', '2021-06-01T10:20:30-0430', '-m', message);
    const sha = repo.git('rev-parse', 'HEAD');
    const c = await new ConfigHistory(repo.dir).commit(sha);
    expect(c).toEqual({
      sha,
      author: repo.git('log', '-1', '--format=%an <%ae>', sha),
      time: '2021-06-01T10:20:30-04:30',
      subject: 'the subject',
      body: 'author Mallory <m@evil.example> 0 +0000\ntree 0000',
      files: ['a.txt'],
    });
  });
});

describe('commit objects', () => {
  it('a signature or merge tag header cannot carry a second author', async () => {
    const base = repo.commit({ 'a.txt': '1\n' }, 'base');
    const tree = repo.git('rev-parse', `${base}^{tree}`);
    const raw =
      `tree ${tree}\nparent ${base}\n` +
      `author Real Author <real@example.com> 1700000000 +0100\n` +
      `committer Real Author <real@example.com> 1700000000 +0100\n` +
      `gpgsig -----BEGIN PGP SIGNATURE-----\n author Mallory <m@evil.example> 0 +0000\n \n` +
      ` -----END PGP SIGNATURE-----\n\nsigned\n`;
    const sha = execFileSync('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], {
      cwd: repo.dir,
      input: raw,
      encoding: 'utf8',
    }).trim();
    const c = await new ConfigHistory(repo.dir).commit(sha);
    expect(c).toMatchObject({
      author: 'Real Author <real@example.com>',
      time: '2023-11-14T23:13:20+01:00',
      subject: 'signed',
      files: [],
    });
  });
});

describe('the caller’s environment', () => {
  it('a GIT_DIR or GIT_WORK_TREE set for Orbit’s process does not make it read another repository', async () => {
    const mine = repo.commit({ 'services/web/deploy.hcl': 'x\n' }, 'mine');
    const spec = `${mine}:services/web/deploy.hcl`;
    const blob = repo.git('rev-parse', spec);
    const other = new ConfigRepo();
    const saved = { GIT_DIR: process.env.GIT_DIR, GIT_WORK_TREE: process.env.GIT_WORK_TREE };
    try {
      other.commit({ 'services/evil/deploy.hcl': 'x\n' }, 'other');
      process.env.GIT_DIR = path.join(other.dir, '.git');
      process.env.GIT_WORK_TREE = other.dir;
      const history = new ConfigHistory(repo.dir);
      expect(await history.resolve('HEAD')).toBe(mine);
      expect((await history.commitsBetween(null, 'HEAD')).map((c) => [c.sha, c.files])).toEqual([
        [mine, ['services/web/deploy.hcl']],
      ]);
      expect(await listServices(repo.dir, 'HEAD')).toEqual(['web']);
      expect(await history.lastCommitsTouching('HEAD', ['web'])).toEqual(new Map([['web', mine]]));
      expect(await history.objectIds([spec])).toEqual(new Map([[spec, blob]]));
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      other.remove();
    }
  });
});

describe('tree entries that are not files', () => {
  it('a gitlink at deploy.hcl rejects that service; the rest of the commit deploys, and a later fix too', async () => {
    repo.commit(
      { 'services/web/deploy.hcl': tracedService(trace, ['deploy']), 'services/web/values.hcl': values('1') },
      'web 1',
    );
    const e = await open();
    await e.reconcile();
    trace.next();

    repo.write('services/web/values.hcl', values('2'));
    repo.git('add', '-A');
    repo.git('update-index', '--add', '--cacheinfo', `160000,${'e'.repeat(40)},services/evil/deploy.hcl`);
    repo.git('commit', '-q', '-m', 'web 2, and a submodule where a deploy.hcl should be');
    const poisoned = repo.git('rev-parse', 'HEAD');

    let report = await e.reconcile();
    expect(report.outcomes.map((o) => [o.service, o.status]).sort()).toEqual([
      ['evil', 'rejected'],
      ['web', 'succeeded'],
    ]);
    expect(trace.next()).toEqual(['+deploy:2']);
    const rejected = (await e.state.service('evil'))?.rejected;
    expect(rejected?.config_commit).toBe(poisoned);
    expect(rejected?.error.message).toContain('services/evil/deploy.hcl:1:1:');
    expect(rejected?.error.message).toContain('[E_CONFIG_NOT_A_FILE]');

    // The preview of the same range does not crash on it either.
    const preview = await buildPreview({ repoDir: repo.dir, range: `${poisoned}~1..${poisoned}`, env: {} });
    const evil = preview.commits[0]?.jobs.find((j) => j.service === 'evil');
    expect(evil).toMatchObject({ action: 'invalid', diagnostics: [{ code: 'E_CONFIG_NOT_A_FILE' }] });

    // Fixed by a later commit: the pipeline is not blocked.
    repo.git('rm', '-q', '--cached', 'services/evil/deploy.hcl');
    repo.commit(
      { 'services/evil/deploy.hcl': tracedService(trace, ['evil']), 'services/evil/values.hcl': values('1') },
      'evil, fixed',
    );
    report = await e.reconcile();
    expect(report.outcomes.map((o) => [o.service, o.status])).toEqual([['evil', 'succeeded']]);
    expect(trace.next()).toEqual(['+evil:1']);
  });

  it('a symlink at a config path in a commit is a rejection, not a read', async () => {
    repo.commit(
      { 'services/web/deploy.hcl': tracedService(trace, ['deploy']), 'services/web/values.hcl': values('1') },
      'web 1',
    );
    const e = await open();
    await e.reconcile();
    rmSync(path.join(repo.dir, 'services/web/values.hcl'));
    symlinkSync('/etc/passwd', path.join(repo.dir, 'services/web/values.hcl'));
    repo.commit({}, 'values as a link');
    const report = await e.reconcile();
    expect(report.outcomes.map((o) => [o.service, o.status])).toEqual([['web', 'rejected']]);
    const message = (await e.state.service('web'))?.rejected?.error.message;
    expect(message).toContain('services/web/values.hcl:1:1:');
    expect(message).toContain('[E_CONFIG_NOT_A_FILE]');
  });
});

describe('git failures while reading history', () => {
  it('a corrupt repository is E_GIT, not "the branch was rewritten"', async () => {
    repo.commit(
      { 'services/web/deploy.hcl': tracedService(trace, ['deploy']), 'services/web/values.hcl': values('1') },
      'web 1',
    );
    const e = await open();
    await e.reconcile();
    const lost = repo.commit({ 'services/web/values.hcl': values('2') }, 'web 2');
    repo.commit({ 'services/web/values.hcl': values('3') }, 'web 3');
    // The commit between the cursor and the head goes missing from the object store.
    const objects = path.join(repo.dir, '.git', 'objects', lost.slice(0, 2));
    expect(readdirSync(objects)).toContain(lost.slice(2));
    rmSync(path.join(objects, lost.slice(2)));

    const err = await e.reconcile().then(
      () => expect.fail('expected E_GIT'),
      (x: unknown) => x,
    );
    expect(isOrbitError(err, 'E_GIT')).toBe(true);
    // What ran and what git said, for the operator.
    expect((err as { data: Record<string, unknown> }).data).toMatchObject({
      command: expect.stringContaining('git rev-list'),
      stderr: expect.stringContaining(lost),
    });
    expect(trace.next()).toEqual(['+deploy:1']);
  });
});

describe('merge base of A...B', () => {
  it('is the best common ancestor, also when the fork point came in through a merge', async () => {
    repo.commit({ 'services/a/deploy.hcl': 'x\n' }, 'root');
    repo.git('checkout', '-q', '-b', 'side');
    const fork = repo.commit({ 'services/b/deploy.hcl': 'x\n' }, 'on side');
    repo.git('checkout', '-q', '-b', 'feature');
    const feature = repo.commit({ 'services/c/deploy.hcl': 'x\n' }, 'on feature');
    repo.git('checkout', '-q', 'main');
    repo.git('merge', '-q', '--no-ff', '-m', 'merge side', 'side');

    const preview = await buildPreview({ repoDir: repo.dir, range: 'main...feature', env: {} });
    expect(preview.base).toBe(fork);
    expect(preview.commits.map((c) => c.sha)).toEqual([feature]);
    const history = new ConfigHistory(repo.dir);
    expect(await history.mergeBase('main', 'feature')).toBe(fork);

    repo.git('checkout', '-q', '--orphan', 'orphan');
    repo.commit({ 'services/d/deploy.hcl': 'x\n' }, 'orphan');
    expect(await history.mergeBase('main', 'orphan')).toBeNull();
    expect(await codeOf(buildPreview({ repoDir: repo.dir, range: 'main...orphan', env: {} }))).toBe(
      'E_USAGE',
    );
  });
});
