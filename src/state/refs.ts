import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { OrbitError } from '../util/errors.js';
import { gitStatus } from './git-cli.js';

const SHA = /^[0-9a-f]{40}$/;

function refFile(gitdir: string, branch: string): string {
  return path.join(gitdir, 'refs', 'heads', ...branch.split('/'));
}

/**
 * The branch's commit, from its loose ref or `packed-refs`; null when the branch does not exist.
 * Synchronous reads of two tiny files: cheaper than the thread pool's round trips.
 */
export function readBranchSync(gitdir: string, branch: string): string | null {
  try {
    const text = fs.readFileSync(refFile(gitdir, branch), 'utf8').trim();
    if (SHA.test(text)) return text;
    throw new OrbitError('E_STATE_FOREIGN', `refs/heads/${branch} is not a plain branch: ${text}`, {
      branch,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'ENOTDIR') throw err;
  }
  try {
    const packed = fs.readFileSync(path.join(gitdir, 'packed-refs'), 'utf8');
    const want = `refs/heads/${branch}`;
    for (const line of packed.split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === want && sha && SHA.test(sha)) return sha;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return null;
}

export async function readBranch(gitdir: string, branch: string): Promise<string | null> {
  return readBranchSync(gitdir, branch);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Compare-and-swap of the branch, with git's own protocol: create `<ref>.lock` exclusively, check
 * the branch is still where this writer left it, write the new value, rename over the ref.
 * The rename is atomic, and a `git update-ref` running at the same time takes the same lock.
 *
 * `prepared`, when given, is a file on the repository's file system that already holds
 * `<next>\n`: it is hard-linked as the lock (as exclusive as git's O_EXCL create: link() fails
 * when the lock exists) and removed after. Creating a file is the slow call on ext4 (an inode:
 * 0.1-0.3 ms an append); a link makes none. Where links are not supported the lock is created.
 *
 * With `keepPrepared`, a linked `prepared` stays as the new ref's second name and the result is
 * true: the caller removes it after the branch moved again. The rename over the ref then only
 * drops a link of the old ref's file instead of freeing it (about 0.1 ms on ext4, measured
 * 100 µs against 15), and the caller frees it off the event loop. Nothing writes to that name:
 * a pooled file is handed out once, and a temp dir is only ever emptied.
 */
export async function casBranch(
  gitdir: string,
  branch: string,
  expected: string | null,
  next: string,
  prepared?: string,
  options: { keepPrepared?: boolean } = {},
): Promise<boolean> {
  const file = refFile(gitdir, branch);
  const lock = `${file}.lock`;
  let fd: number | null = null;
  let linked = false;
  let link = prepared;
  for (let attempt = 0; fd === null && !linked; attempt++) {
    try {
      if (link) {
        fs.linkSync(link, lock);
        linked = true;
      } else fd = fs.openSync(lock, 'wx');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && attempt < 50) {
        // First write of this branch: its ref directory does not exist yet (or, a second time,
        // the prepared file is gone: the lock is created instead).
        fs.mkdirSync(path.dirname(file), { recursive: true });
        if (attempt > 0) link = undefined;
        continue;
      }
      if (link && (code === 'EPERM' || code === 'EXDEV' || code === 'ENOTSUP' || code === 'EMLINK')) {
        link = undefined;
        continue;
      }
      if (code !== 'EEXIST') throw err;
      if (attempt >= 50)
        throw new OrbitError(
          'E_STATE_REF_LOCKED',
          `${lock} exists: another git process is updating the branch`,
          {
            branch,
            lock,
          },
        );
      await sleep(20);
    }
  }
  let renamed = false;
  try {
    const now = readBranchSync(gitdir, branch);
    if (now !== expected)
      throw new OrbitError(
        'E_STATE_MOVED',
        `the state branch ${branch} moved under this writer: expected ${expected ?? '(none)'}, found ${now ?? '(none)'}`,
        { branch, expected, found: now },
      );
    if (fd !== null) {
      fs.writeSync(fd, `${next}\n`);
      fs.closeSync(fd);
      fd = null;
    }
    fs.renameSync(lock, file);
    renamed = true;
  } finally {
    if (fd !== null) fs.closeSync(fd);
    if (!renamed) fs.rmSync(lock, { force: true });
    // Unless kept, the ref's second name goes now; a crash before this leaves it in the temp
    // dir, which the next writer empties.
    if (prepared && !(renamed && linked && options.keepPrepared)) fs.rmSync(prepared, { force: true });
  }
  return Boolean(prepared && linked && options.keepPrepared);
}

/**
 * A `<ref>.lock` left by a killed writer would block git and Orbit forever; only called under the
 * writer lock. A lock that holds an Orbit entry commit (or nothing yet) was left by an Orbit
 * writer, which the writer lock says is gone: it is removed at once (that entry was never
 * acknowledged). Any other lock only once it is older than `olderThanMs`.
 */
export async function clearStaleRefLock(
  gitdir: string,
  branch: string,
  olderThanMs = 5_000,
): Promise<boolean> {
  const lock = `${refFile(gitdir, branch)}.lock`;
  let mtimeMs: number;
  let content: string;
  try {
    mtimeMs = (await fsp.stat(lock)).mtimeMs;
    content = (await fsp.readFile(lock, 'utf8')).trim();
  } catch {
    // No lock file (or it just went away): nothing to remove.
    return false;
  }
  const leftByOrbit =
    content === '' ||
    (/^[0-9a-f]{40}$/.test(content) &&
      (await gitStatus(gitdir, ['cat-file', '-e', `${content}:entry.json`])) === 0);
  if (!leftByOrbit && Date.now() - mtimeMs < olderThanMs) return false;
  await fsp.rm(lock, { force: true });
  return true;
}
