/** Finding a repository's git directory. */
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RefDirs } from './ref-files.js';
import { run } from './run.js';

/** The directory holding objects and refs: `.git` of a work tree, the repo itself when bare. */
export async function resolveGitDir(dir: string): Promise<string> {
  return (await locateRepo(dir)).commonDir;
}

const located = new Map<string, Promise<RefDirs>>();

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** A git dir of the usual shape, and no linked worktree's (those have a `commondir` file). */
const plainGitDir = (p: string): boolean =>
  isDir(path.join(p, 'objects')) &&
  isDir(path.join(p, 'refs')) &&
  existsSync(path.join(p, 'HEAD')) &&
  !existsSync(path.join(p, 'commondir'));

/**
 * The git dir and common dir of the repository at `dir` (a work tree's top or a bare repository),
 * found on disk; anything else (a linked worktree, a subdirectory, `.git` as a file) is asked of
 * git once. Cached per directory: a repository does not move under a running Orbit.
 */
export function locateRepo(dir: string): Promise<RefDirs> {
  const key = path.resolve(dir);
  let found = located.get(key);
  if (!found) {
    found = (async (): Promise<RefDirs> => {
      for (const candidate of [path.join(key, '.git'), key]) {
        if (!plainGitDir(candidate)) continue;
        // As git prints it: symbolic links resolved.
        const real = realpathSync(candidate);
        return { gitDir: real, commonDir: real };
      }
      const r = await run(['rev-parse', '--path-format=absolute', '--absolute-git-dir', '--git-common-dir'], {
        cwd: key,
      });
      const [gitDir = '', commonDir = ''] = r.stdout.trim().split('\n');
      return { gitDir, commonDir };
    })();
    located.set(key, found);
    // A failure (not a repository yet) is not remembered.
    found.catch(() => located.delete(key));
  }
  return found;
}
