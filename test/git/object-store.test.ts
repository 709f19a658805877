/**
 * Reads without a process per read answer what git answers: refs from their files (loose over
 * packed, symbolic, annotated tags, a linked worktree's own HEAD), tree diffs, path histories and
 * `<commit>:<path>` lookups, each compared with the git command it replaces on a real repository.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigHistory } from '../../src/git/config-history.js';
import { objectStore } from '../../src/git/object-store.js';
import { PathChanges } from '../../src/git/path-changes.js';
import { changedPaths } from '../../src/git/tree-diff.js';
import { ConfigRepo } from '../support/config-repo.js';

let repo: ConfigRepo;
const extra: string[] = [];

beforeEach(() => {
  repo = new ConfigRepo('orbit-objects-');
});
afterEach(() => {
  repo.remove();
  for (const d of extra.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** What git says a name is (null when it names no commit). */
function gitSays(dir: string, name: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${name}^{commit}`], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  } catch {
    return null;
  }
}

describe('refs read from their files', () => {
  it('resolves branches, tags, HEAD and revision syntax as git rev-parse does, before and after pack-refs', async () => {
    const c1 = repo.commit({ 'a.txt': '1' });
    repo.git('tag', 'light');
    repo.git('tag', '-a', '-m', 'annotated', 'v1');
    repo.git('branch', 'team/feature');
    const c2 = repo.commit({ 'a.txt': '2' });
    // A tag and a branch of one name: git takes the tag (refs/tags comes first).
    repo.git('tag', 'same', c1);
    repo.git('branch', 'same', c2);
    const names = [
      'main',
      'HEAD',
      'refs/heads/main',
      'heads/main',
      'team/feature',
      'light',
      'v1',
      'refs/tags/v1',
      'same',
      'refs/heads/same',
      'main~1',
      c1.slice(0, 10),
      c2,
      'nope',
      'refs/heads/nope',
      `${c2}^`,
      `${c1}^`,
    ];
    const store = await objectStore(repo.dir);
    const check = async (): Promise<void> => {
      for (const name of names)
        expect([name, await store.resolveCommit(name)]).toEqual([name, gitSays(repo.dir, name)]);
    };
    await check();
    repo.git('pack-refs', '--all');
    await check();
    // A loose ref written after packing wins over its packed line.
    const c3 = repo.commit({ 'a.txt': '3' });
    expect(await store.resolveCommit('main')).toBe(c3);
    await check();
  });

  it("a linked worktree's HEAD is its own", async () => {
    const c1 = repo.commit({ 'a.txt': '1' });
    repo.commit({ 'a.txt': '2' });
    const wt = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-wt-')), 'wt');
    extra.push(path.dirname(wt));
    repo.git('worktree', 'add', '-q', '--detach', wt, c1);
    expect(await (await objectStore(wt)).resolveCommit('HEAD')).toBe(c1);
    expect(await (await objectStore(wt)).resolveCommit('main')).toBe(gitSays(repo.dir, 'main'));
  });
});

describe('trees compared in JS', () => {
  it('lists the paths git diff-tree -r --name-only lists, for every kind of change', async () => {
    const sub = new ConfigRepo('orbit-sub-');
    const subHead = sub.commit({ 'x.txt': 'x' });
    sub.remove();
    repo.commit({
      'keep.txt': 'k',
      'mod.txt': '1',
      'gone.txt': 'g',
      'dir/a.txt': 'a',
      'dir/b/c.txt': 'c',
      'exe.sh': 'e',
      f2d: 'file',
    });
    // The second commit: a change, a deletion, an addition deep down, a mode change, a file
    // that becomes a directory and back, a symlink and a gitlink.
    repo.write('mod.txt', '2');
    rmSync(path.join(repo.dir, 'gone.txt'));
    repo.write('dir/b/new/deep.txt', 'd');
    chmodSync(path.join(repo.dir, 'exe.sh'), 0o755);
    rmSync(path.join(repo.dir, 'f2d'));
    repo.write('f2d/inside.txt', 'i');
    rmSync(path.join(repo.dir, 'dir/a.txt'));
    symlinkSync('keep.txt', path.join(repo.dir, 'dir/a.txt'));
    repo.git('add', '-A');
    repo.git('update-index', '--add', '--cacheinfo', `160000,${subHead},modules/sub`);
    repo.git('commit', '-q', '-m', 'many kinds');
    const store = await objectStore(repo.dir);
    const tree = (rev: string) => repo.git('rev-parse', `${rev}^{tree}`);
    const gitDiff = (args: string[]) =>
      repo
        .git('diff-tree', '-r', '--no-renames', '--name-only', '-z', ...args)
        .split('\0')
        .filter(Boolean)
        .sort();
    expect((await changedPaths(store, tree('HEAD~1'), tree('HEAD'))).sort()).toEqual(
      gitDiff(['HEAD~1', 'HEAD']),
    );
    expect((await changedPaths(store, tree('HEAD'), tree('HEAD~1'))).sort()).toEqual(
      gitDiff(['HEAD', 'HEAD~1']),
    );
    // A root commit's changes are all its files.
    expect((await changedPaths(store, null, tree('HEAD~1'))).sort()).toEqual(
      repo.git('ls-tree', '-r', '--name-only', '-z', 'HEAD~1').split('\0').filter(Boolean).sort(),
    );
    const history = new ConfigHistory(repo.dir);
    const [c] = await history.commits([repo.git('rev-parse', 'HEAD')]);
    expect(c!.files.sort()).toEqual(gitDiff(['HEAD~1', 'HEAD']));
  });
});

describe('history walked from the object store', () => {
  it("a path's changes on the first-parent line are git log's, across a merge", async () => {
    repo.commit({ 'orbit.hcl': 'a', 'other.txt': '1' });
    repo.commit({ 'other.txt': '2' });
    repo.git('checkout', '-q', '-b', 'side');
    repo.commit({ 'orbit.hcl': 'side', 'keys/signers': 'k' });
    repo.git('checkout', '-q', 'main');
    repo.commit({ 'other.txt': '3' });
    repo.git('merge', '-q', '--no-ff', '-m', 'merge side', 'side');
    repo.commit({ 'keys/signers': 'k2' });
    repo.commit({ 'other.txt': '4' });
    const head = repo.git('rev-parse', 'HEAD');
    const changes = new PathChanges(repo.dir);
    for (const paths of [['orbit.hcl'], ['orbit.hcl', 'keys/signers'], ['keys'], ['missing.txt']]) {
      for (const max of [1, 2, 5]) {
        const git = repo.git('log', `-${max}`, '--first-parent', '--format=%H', head, '--', ...paths);
        expect([paths, max, await changes.changes(head, paths, max)]).toEqual([
          paths,
          max,
          git.split('\n').filter(Boolean),
        ]);
      }
    }
  });

  it('isAncestor and commitsBetween agree with git off the first-parent line', async () => {
    const base = repo.commit({ 'a.txt': '1' });
    repo.git('checkout', '-q', '-b', 'side');
    const sideCommit = repo.commit({ 'b.txt': '1' });
    repo.git('checkout', '-q', 'main');
    repo.commit({ 'a.txt': '2' });
    repo.git('merge', '-q', '--no-ff', '-m', 'merge', 'side');
    const head = repo.git('rev-parse', 'HEAD');
    repo.git('checkout', '-q', '-b', 'other', base);
    const unrelated = repo.commit({ 'c.txt': '1' });
    const history = new ConfigHistory(repo.dir);
    expect(await history.isAncestor(base, head)).toBe(true);
    expect(await history.isAncestor(sideCommit, head)).toBe(true); // second parent's line: git's answer
    expect(await history.isAncestor(unrelated, head)).toBe(false);
    const listed = (since: string) =>
      repo.git('rev-list', '--first-parent', '--reverse', head, `^${since}`).split('\n').filter(Boolean);
    expect((await history.commitsBetween(base, head)).map((c) => c.sha)).toEqual(listed(base));
    expect((await history.commitsBetween(sideCommit, head)).map((c) => c.sha)).toEqual(listed(sideCommit));
  });

  it('<commit>:<path> and <commit>^:<path> ids are cat-file --batch-check answers', async () => {
    const root = repo.commit({ 'services/web/deploy.hcl': 'a', 'services/web/values.hcl': 'v' });
    const next = repo.commit({ 'services/web/deploy.hcl': 'b', 'services/api/deploy.hcl': 'c' });
    const specs = [root, next].flatMap((c) =>
      [
        'services/web/deploy.hcl',
        'services/web/values.hcl',
        'services/api/deploy.hcl',
        'services/web',
        'services/nope/deploy.hcl',
        'services/web/deploy.hcl/x',
      ].flatMap((p) => [`${c}:${p}`, `${c}^:${p}`]),
    );
    const expected = execFileSync('git', ['cat-file', '--batch-check=%(objectname)'], {
      cwd: repo.dir,
      input: specs.join('\n') + '\n',
      encoding: 'utf8',
    })
      .split('\n')
      .slice(0, specs.length)
      .map((l) => (/^[0-9a-f]{40}$/.test(l) ? l : null));
    const ids = await new ConfigHistory(repo.dir).objectIds(specs);
    expect(specs.map((s) => ids.get(s) ?? null)).toEqual(expected);
  });
});
