/**
 * Reads config files from a working tree or from a git revision (blobs via the git CLI, never a
 * checkout). Returns null for a file that does not exist.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { OrbitError } from '../util/errors.js';
import { SERVICES_DIR } from './paths.js';

export interface RepoReader {
  read(path: string): Promise<string | null>;
  /** Names of directories under services/ that hold a deploy.hcl. */
  services(): Promise<string[]>;
}

export function workingTreeReader(repoDir: string): RepoReader {
  return {
    async read(path) {
      try {
        return await readFile(join(repoDir, path), 'utf8');
      } catch (err) {
        if (
          (err as NodeJS.ErrnoException).code === 'ENOENT' ||
          (err as NodeJS.ErrnoException).code === 'ENOTDIR'
        )
          return null;
        throw err;
      }
    },
    async services() {
      let entries: string[];
      try {
        entries = await readdir(join(repoDir, SERVICES_DIR));
      } catch {
        return [];
      }
      const out: string[] = [];
      for (const name of entries) {
        try {
          if ((await stat(join(repoDir, SERVICES_DIR, name, 'deploy.hcl'))).isFile()) out.push(name);
        } catch {
          // not a service directory
        }
      }
      return out.sort();
    },
  };
}

export async function gitRefReader(repoDir: string, ref: string): Promise<RepoReader> {
  const git = simpleGit({ baseDir: repoDir });
  let sha: string;
  try {
    sha = (await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch {
    sha = '';
  }
  if (!/^[0-9a-f]{40,64}$/.test(sha)) {
    throw new OrbitError('E_UNKNOWN_REF', `unknown git revision "${ref}" in ${repoDir}`, { ref, repoDir });
  }
  const files = new Set(
    (await git.raw(['ls-tree', '-r', '--name-only', '--full-tree', sha])).split('\n').filter((l) => l !== ''),
  );
  return {
    async read(path) {
      if (!files.has(path)) return null;
      return git.raw(['cat-file', 'blob', `${sha}:${path}`]);
    },
    async services() {
      const out: string[] = [];
      for (const f of files) {
        const m = /^services\/([^/]+)\/deploy\.hcl$/.exec(f);
        if (m?.[1]) out.push(m[1]);
      }
      return out.sort();
    },
  };
}

export async function repoReader(repoDir: string, ref?: string): Promise<RepoReader> {
  return ref === undefined ? workingTreeReader(repoDir) : gitRefReader(repoDir, ref);
}
