import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { OrbitError } from '../util/errors.js';
import { gitStatus } from './git-cli.js';
import type { ObjectReader } from './object-reader.js';
import { ENTRY_FILE } from './paths.js';

/** Orbit's own bookkeeping lives in `<gitdir>/orbit/`, never in the work tree. */
export function orbitDir(gitdir: string): string {
  return path.join(gitdir, 'orbit');
}

/** `orbit/state` → `orbit%2Fstate`: one flat file name per branch. */
export function branchFileName(branch: string): string {
  return encodeURIComponent(branch);
}

function lastFile(gitdir: string, branch: string): string {
  return path.join(orbitDir(gitdir), `${branchFileName(branch)}.last`);
}

export async function readLastWritten(gitdir: string, branch: string): Promise<string | null> {
  try {
    const text = (await fsp.readFile(lastFile(gitdir, branch), 'utf8')).trim();
    return /^[0-9a-f]{40}$/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/**
 * The writer's `.last` file, held open: each append overwrites its 41 bytes (`<sha>\n`) in place
 * with one `pwrite`, instead of a temp file, a rename and a directory lookup. One small write
 * at offset 0 cannot be torn by a killed process; after a power cut a garbled file reads as
 * absent (the check is skipped once), the same exposure as the last entries themselves.
 */
export class LastWrittenFile {
  private fd: number | null;
  private checkedSize = false;

  constructor(gitdir: string, branch: string) {
    fs.mkdirSync(orbitDir(gitdir), { recursive: true });
    this.fd = fs.openSync(lastFile(gitdir, branch), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  }

  record(sha: string): void {
    if (this.fd === null) return;
    const line = Buffer.from(`${sha}\n`, 'latin1');
    fs.writeSync(this.fd, line, 0, line.length, 0);
    if (!this.checkedSize) {
      // A file left longer by another tool would keep a tail after our 41 bytes: cut it, once.
      if (fs.fstatSync(this.fd).size > line.length) fs.ftruncateSync(this.fd, line.length);
      this.checkedSize = true;
    }
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Refuses a branch that is not Orbit's (its head holds no entry) or that was rewritten under
 * Orbit (the last commit Orbit wrote is no longer an ancestor of the head). A missing branch is
 * fine unless Orbit wrote it before: then its history was deleted, which is a rewrite too.
 */
export async function checkIntegrity(
  gitdir: string,
  branch: string,
  head: string | null,
  reader: ObjectReader,
): Promise<void> {
  const last = await readLastWritten(gitdir, branch);
  if (head) {
    const entry = await reader.read(`${head}:${ENTRY_FILE}`);
    if (!entry || entry.type !== 'blob')
      throw new OrbitError(
        'E_STATE_FOREIGN',
        `branch ${branch} is not an Orbit state log: its head ${head.slice(0, 7)} holds no ${ENTRY_FILE}`,
        { branch, head },
      );
  }
  if (!last || last === head) return;
  const ancestor = head
    ? (await gitStatus(gitdir, ['merge-base', '--is-ancestor', last, head])) === 0
    : false;
  if (!ancestor)
    throw new OrbitError(
      'E_STATE_REWRITTEN',
      head
        ? `branch ${branch} was rewritten: ${last.slice(0, 7)}, which Orbit wrote last, is not an ancestor of ${head.slice(0, 7)}. ` +
            `Orbit refuses to continue; restore the branch, or remove ${lastFile(gitdir, branch)} to accept the new history.`
        : `branch ${branch} was deleted after Orbit wrote ${last.slice(0, 7)}. Restore it, or remove ${lastFile(gitdir, branch)} to start a new log.`,
      { branch, last, head },
    );
}
