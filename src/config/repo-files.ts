/**
 * Reads config files from a working tree or from a git revision (blobs via the git layer, never a
 * checkout). Returns null for a file that does not exist. Only regular files inside the repository
 * are read: a symlink (on disk or in a tree), a submodule entry, a directory or a device where a
 * config file is expected, or a file over the size cap, is a diagnostic at `file:1:1`, never a read.
 */
import type { ErrorCode } from '../util/error-codes.js';
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { objectStore } from '../git/object-store.js';
import { ConfigError, OrbitError, isOrbitError } from '../util/errors.js';
import { ENVIRONMENTS_DIR, ORBIT_FILE, SERVICES_DIR, servicesOfFiles } from './paths.js';

export interface RepoReader {
  /** The file's text; null when absent; throws ConfigError when it is not a readable config file. */
  read(path: string): Promise<string | null>;
  /**
   * The service ids the files make (util/service-files.ts): `<name>` for a services/<name>/ with
   * a deploy.hcl that no environment holds, `<name>@<env>` for each environment's values.hcl.
   */
  services(): Promise<string[]>;
}

/** Config files are small; anything bigger is refused before it is read. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

function refuse(path: string, code: ErrorCode, message: string): ConfigError {
  return new ConfigError([{ file: path, line: 1, column: 1, code, message }]);
}

const notAFile = (path: string, what: string): ConfigError =>
  refuse(path, 'E_CONFIG_NOT_A_FILE', `${path} is ${what}, not a regular file: Orbit does not read it`);

const tooLarge = (path: string, size: number): ConfigError =>
  refuse(
    path,
    'E_CONFIG_TOO_LARGE',
    `${path} is ${size} bytes, over the ${MAX_CONFIG_FILE_BYTES}-byte limit for a config file`,
  );

const missing = (err: unknown): boolean =>
  ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

export function workingTreeReader(repoDir: string): RepoReader {
  return {
    async read(path) {
      // Every component is checked, so a symlinked directory cannot lead out of the repository.
      const parts = path.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const rel = parts.slice(0, i).join('/');
        let st;
        try {
          st = await lstat(join(repoDir, rel));
        } catch (err) {
          if (missing(err)) return null;
          throw err;
        }
        if (st.isSymbolicLink()) throw notAFile(path, `a symbolic link (${rel})`);
        if (i < parts.length && !st.isDirectory()) return null;
      }
      let handle;
      try {
        // O_NOFOLLOW and O_NONBLOCK: what was checked above cannot be swapped for a link or a FIFO.
        handle = await open(
          join(repoDir, path),
          constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
        );
      } catch (err) {
        if (missing(err)) return null;
        if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw notAFile(path, 'a symbolic link');
        throw err;
      }
      try {
        const st = await handle.stat();
        if (st.isDirectory()) throw notAFile(path, 'a directory');
        if (!st.isFile()) throw notAFile(path, 'a special file (device, FIFO or socket)');
        if (st.size > MAX_CONFIG_FILE_BYTES) throw tooLarge(path, st.size);
        const buf = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
        let n = 0;
        for (;;) {
          const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
          if (bytesRead === 0) break;
          n += bytesRead;
          if (n > MAX_CONFIG_FILE_BYTES) throw tooLarge(path, n);
        }
        return buf.subarray(0, n).toString('utf8');
      } finally {
        await handle.close();
      }
    },
    async services() {
      const files: string[] = [];
      for (const name of await entriesOf(join(repoDir, SERVICES_DIR))) {
        // Whatever kind of entry deploy.hcl is, the service is listed: reading it says what is wrong.
        if (await exists(join(repoDir, SERVICES_DIR, name, 'deploy.hcl')))
          files.push(`${SERVICES_DIR}/${name}/deploy.hcl`);
      }
      for (const env of await entriesOf(join(repoDir, ENVIRONMENTS_DIR))) {
        const dir = `${ENVIRONMENTS_DIR}/${env}/${SERVICES_DIR}`;
        for (const name of await entriesOf(join(repoDir, dir))) {
          if (await exists(join(repoDir, dir, name, 'values.hcl'))) files.push(`${dir}/${name}/values.hcl`);
        }
      }
      return servicesOfFiles(files);
    },
  };
}

async function entriesOf(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** What a reader of a commit reads: orbit.hcl, services/ and environments/ (as `ls-tree` was asked). */
const inConfigTree = (path: string): boolean =>
  path === ORBIT_FILE || path.startsWith(`${SERVICES_DIR}/`) || path.startsWith(`${ENVIRONMENTS_DIR}/`);

/**
 * Reads a commit's config files from the repository's object store (one long-lived git process,
 * trees parsed once): loading one service reads its own few trees and blobs, not a listing of
 * every service.
 */
export async function gitRefReader(repoDir: string, ref: string): Promise<RepoReader> {
  const store = await objectStore(repoDir);
  const sha = await store.resolveCommit(ref).catch((err: unknown) => {
    // A name git cannot read as a revision at all (exit 128) is as unknown as a missing one.
    if (isOrbitError(err, 'E_GIT') && err.data.status === 128) return null;
    throw err;
  });
  if (!sha) {
    throw new OrbitError('E_UNKNOWN_REF', `unknown git revision "${ref}" in ${repoDir}`, { ref, repoDir });
  }
  const { tree } = await store.commit(sha);
  return {
    async read(path) {
      const e = inConfigTree(path) ? await store.entryAt(tree, path) : null;
      if (!e) return null;
      if (e.kind === 'link') throw notAFile(path, 'a symbolic link');
      if (e.kind === 'gitlink') throw notAFile(path, 'a submodule (gitlink)');
      if (e.kind === 'tree') throw notAFile(path, 'a directory');
      const info = await store.info(e.oid);
      if (info && info.size > MAX_CONFIG_FILE_BYTES) throw tooLarge(path, info.size);
      const blob = await store.read(e.oid);
      if (!blob || blob.type !== 'blob') {
        throw new OrbitError('E_GIT_MISSING_OBJECT', `${path} (${e.oid}) is missing from the repository`, {
          oid: e.oid,
          path,
        });
      }
      return blob.content.toString('utf8');
    },
    async services() {
      const files: string[] = [];
      // Whatever kind of entry the file is, the service is listed: reading it says what is wrong.
      const within = async (dir: string, file: string): Promise<void> => {
        const at = await store.entryAt(tree, dir);
        if (at?.kind !== 'tree') return;
        // All at once: the reads queue on one cat-file process, pipelined.
        const found = await Promise.all(
          (await store.tree(at.oid)).entries.map(async (e) =>
            e.kind === 'tree' && (await store.tree(e.oid)).byName.has(file)
              ? `${dir}/${e.name}/${file}`
              : null,
          ),
        );
        for (const f of found) if (f) files.push(f);
      };
      await within(SERVICES_DIR, 'deploy.hcl');
      const envs = await store.entryAt(tree, ENVIRONMENTS_DIR);
      if (envs?.kind === 'tree')
        for (const env of (await store.tree(envs.oid)).entries)
          if (env.kind === 'tree')
            await within(`${ENVIRONMENTS_DIR}/${env.name}/${SERVICES_DIR}`, 'values.hcl');
      return servicesOfFiles(files);
    },
  };
}

export async function repoReader(repoDir: string, ref?: string): Promise<RepoReader> {
  return ref === undefined ? workingTreeReader(repoDir) : gitRefReader(repoDir, ref);
}
