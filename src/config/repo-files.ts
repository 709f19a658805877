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
import { run, runBuffer } from '../git/run.js';
import { ConfigError, OrbitError } from '../util/errors.js';
import { ENVIRONMENTS_DIR, SERVICES_DIR, servicesOfFiles } from './paths.js';

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

interface GitEntry {
  mode: string;
  type: string;
  oid: string;
  size: number;
}

/** `ls-tree -l -z` records: `<mode> <type> <oid> <size>\t<path>`. */
function parseLsTree(out: Buffer): Map<string, GitEntry> {
  const entries = new Map<string, GitEntry>();
  for (const record of out.toString('utf8').split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode = '', type = '', oid = '', size = '-'] = record.slice(0, tab).split(/ +/);
    entries.set(record.slice(tab + 1), { mode, type, oid, size: size === '-' ? 0 : Number(size) });
  }
  return entries;
}

export async function gitRefReader(repoDir: string, ref: string): Promise<RepoReader> {
  const resolved = await run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    cwd: repoDir,
    okStatus: [1, 128],
  });
  const sha = resolved.stdout.trim();
  if (resolved.status !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) {
    throw new OrbitError('E_UNKNOWN_REF', `unknown git revision "${ref}" in ${repoDir}`, { ref, repoDir });
  }
  // -t lists trees too, so a directory where a file is expected is seen, not skipped.
  const listing = await runBuffer(
    [
      'ls-tree',
      '-r',
      '-t',
      '-l',
      '-z',
      '--full-tree',
      sha,
      '--',
      'orbit.hcl',
      SERVICES_DIR,
      ENVIRONMENTS_DIR,
    ],
    { cwd: repoDir },
  );
  const files = parseLsTree(listing.stdout);
  return {
    async read(path) {
      const e = files.get(path);
      if (!e) return null;
      if (e.mode === '120000') throw notAFile(path, 'a symbolic link');
      if (e.mode === '160000') throw notAFile(path, 'a submodule (gitlink)');
      if (e.type !== 'blob') throw notAFile(path, 'a directory');
      if (e.size > MAX_CONFIG_FILE_BYTES) throw tooLarge(path, e.size);
      return (await runBuffer(['cat-file', 'blob', e.oid], { cwd: repoDir })).stdout.toString('utf8');
    },
    async services() {
      return servicesOfFiles(files.keys());
    },
  };
}

export async function repoReader(repoDir: string, ref?: string): Promise<RepoReader> {
  return ref === undefined ? workingTreeReader(repoDir) : gitRefReader(repoDir, ref);
}
