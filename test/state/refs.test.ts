import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { casBranch, readBranchSync } from '../../src/state/refs.js';
import { isOrbitError } from '../../src/util/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const temp = (where = os.tmpdir()): string => {
  const d = fs.mkdtempSync(path.join(where, 'orbit-refs-'));
  dirs.push(d);
  return d;
};

/** A bare repository with one commit on `orbit/state`. */
function repo(): { gitdir: string; first: string; second: string } {
  const gitdir = temp();
  execFileSync('git', ['init', '-q', '--bare', gitdir]);
  const tree = execFileSync('git', ['--git-dir', gitdir, 'mktree'], { input: '' }).toString().trim();
  const commit = (msg: string, parent?: string) =>
    execFileSync('git', [
      '--git-dir',
      gitdir,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'commit-tree',
      tree,
      '-m',
      msg,
      ...(parent ? ['-p', parent] : []),
    ])
      .toString()
      .trim();
  const first = commit('one');
  const second = commit('two', first);
  execFileSync('git', ['--git-dir', gitdir, 'update-ref', 'refs/heads/orbit/state', first]);
  return { gitdir, first, second };
}

const ref = (gitdir: string) => path.join(gitdir, 'refs', 'heads', 'orbit', 'state');

describe('casBranch', () => {
  it('links a prepared file as the lock, and creates the lock where a link cannot be made', async () => {
    for (const where of [null, '/dev/shm']) {
      const { gitdir, first, second } = repo();
      // In the repository (a link), or on another file system (EXDEV: the lock is created).
      const prepared = path.join(where ? temp(where) : gitdir, 'prepared');
      fs.writeFileSync(prepared, `${second}\n`);
      await casBranch(gitdir, 'orbit/state', first, second, prepared);
      expect(readBranchSync(gitdir, 'orbit/state')).toBe(second);
      expect(execFileSync('git', ['--git-dir', gitdir, 'rev-parse', 'orbit/state']).toString().trim()).toBe(
        second,
      );
      expect(fs.statSync(ref(gitdir)).nlink).toBe(1);
      expect(fs.existsSync(`${ref(gitdir)}.lock`)).toBe(false);
      expect(fs.existsSync(prepared)).toBe(false);
    }
  });

  it('refuses when the branch is not where the writer left it, and leaves no lock', async () => {
    const { gitdir, first, second } = repo();
    const prepared = path.join(gitdir, 'prepared');
    fs.writeFileSync(prepared, `${first}\n`);
    const err = await casBranch(gitdir, 'orbit/state', second, first, prepared).catch((e: unknown) => e);
    expect(isOrbitError(err, 'E_STATE_MOVED')).toBe(true);
    expect(readBranchSync(gitdir, 'orbit/state')).toBe(first);
    expect(fs.existsSync(`${ref(gitdir)}.lock`)).toBe(false);
  });
});
