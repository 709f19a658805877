import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { OrbitError } from '../util/errors.js';
import { allowedSignerOf, type AllowedSigner } from './allowed-signers.js';
import { splitSignature } from './commit-signature.js';
import { gitStatus } from './git-cli.js';
import type { ObjectReader } from './object-reader.js';
import { ENTRY_FILE } from './paths.js';
import { SIG_NAMESPACE, sshVerify } from './ssh-signature.js';

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

/** The commit an append is about to move the branch to (written before the move, see `WrittenMarks`). */
function pendingFile(gitdir: string, branch: string): string {
  return path.join(orbitDir(gitdir), `${branchFileName(branch)}.pending`);
}

async function readSha(file: string): Promise<string | null> {
  try {
    const text = (await fsp.readFile(file, 'utf8')).trim();
    return /^[0-9a-f]{40}$/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** One sha file the writer holds open and overwrites in place (`<sha>\n`, 41 bytes at offset 0). */
class ShaFile {
  private fd: number | null;
  private checkedSize = false;

  constructor(file: string) {
    this.fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  }

  write(sha: string): void {
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
 * The writer's marks of what it wrote: `.pending` names the commit an append is about to move the
 * branch to (written before the move), `.last` the one it moved it to (after). Between the two a
 * killed writer leaves the branch on a commit Orbit wrote that `.last` does not name yet; `.pending`
 * names it, so the next open does not mistake it for a foreign commit.
 *
 * Each is held open and overwritten in place with one 41-byte `pwrite` at offset 0 instead of a
 * temp file, a rename and a directory lookup: one small write cannot be torn by a killed process;
 * after a power cut a garbled file reads as absent (the check is skipped once), the same exposure
 * as the last entries themselves.
 */
export class LastWrittenFile {
  private readonly last: ShaFile;
  private readonly pendingSha: ShaFile;

  constructor(gitdir: string, branch: string) {
    fs.mkdirSync(orbitDir(gitdir), { recursive: true });
    this.last = new ShaFile(lastFile(gitdir, branch));
    this.pendingSha = new ShaFile(pendingFile(gitdir, branch));
  }

  /** Before the branch moves to `sha`. */
  pending(sha: string): void {
    this.pendingSha.write(sha);
  }

  /** After the branch moved to `sha`. */
  record(sha: string): void {
    this.last.write(sha);
  }

  close(): void {
    this.last.close();
    this.pendingSha.close();
  }
}

/** Who may have written a state commit: the allowed signers, from the configured point on. */
export interface StateTrust {
  /** When set, every commit after the trusted points must carry a signature by one of them. */
  signers?: readonly AllowedSigner[];
  /** A commit whose ancestors (itself included) are accepted unsigned: where signing started. */
  signedSince?: string;
}

const SHORT = (sha: string): string => sha.slice(0, 7);

/** Why `commit` is not an entry Orbit wrote, or null when it verifies. */
function foreignReason(content: Buffer, trust: StateTrust): string | null {
  const parents = content.toString('latin1').match(/^parent [0-9a-f]{40}$/gm) ?? [];
  if (parents.length > 1) return 'it is a merge, and Orbit never writes one';
  if (!trust.signers) return 'it was written after the last commit Orbit wrote';
  const signed = splitSignature(content);
  if (!signed) return 'it is not signed';
  const key = sshVerify(signed.signature, signed.payload, SIG_NAMESPACE);
  if (!key) return 'its signature does not verify';
  if (!allowedSignerOf(trust.signers, key, SIG_NAMESPACE))
    return 'it is signed by a key not in the allowed signers';
  return null;
}

/**
 * Refuses a branch that is not Orbit's (its head holds no entry), that was rewritten under Orbit
 * (the last commit Orbit wrote is no longer an ancestor of the head), or that holds commits Orbit
 * did not write: every commit after the trusted points (the last commit this repository's writer
 * wrote, the head already checked, `signedSince`) must be the commit the writer was about to write
 * or, when signers are configured, carry a valid signature by one of them. The first (oldest)
 * offending commit is named in `E_STATE_FOREIGN`. A missing branch is fine unless Orbit wrote it
 * before: then its history was deleted, which is a rewrite too.
 */
export async function checkIntegrity(
  gitdir: string,
  branch: string,
  head: string | null,
  reader: ObjectReader,
  trust: StateTrust = {},
  checked: string | null = null,
): Promise<void> {
  const pending = await readSha(pendingFile(gitdir, branch));
  const last = await readSha(lastFile(gitdir, branch));
  if (head) {
    const entry = await reader.read(`${head}:${ENTRY_FILE}`);
    if (!entry || entry.type !== 'blob')
      throw new OrbitError(
        'E_STATE_FOREIGN',
        `branch ${branch} is not an Orbit state log: its head ${SHORT(head)} holds no ${ENTRY_FILE}`,
        { branch, head, commit: head },
      );
  }
  if (head && (head === last || head === pending || head === checked)) return;
  if (last) {
    const ancestor = head
      ? (await gitStatus(gitdir, ['merge-base', '--is-ancestor', last, head])) === 0
      : false;
    if (!ancestor)
      throw new OrbitError(
        'E_STATE_REWRITTEN',
        head
          ? `branch ${branch} was rewritten: ${SHORT(last)}, which Orbit wrote last, is not an ancestor of ${SHORT(head)}. ` +
              `Orbit refuses to continue; restore the branch, or remove ${lastFile(gitdir, branch)} to accept the new history.`
          : `branch ${branch} was deleted after Orbit wrote ${SHORT(last)}. Restore it, or remove ${lastFile(gitdir, branch)} to start a new log.`,
        { branch, last, head },
      );
  }
  if (!head) return;
  // With no trusted point and no signers there is nothing to compare with: a first open.
  if (!last && !checked && !trust.signers) return;
  const stops = new Set([last, pending, checked, trust.signedSince].filter((s): s is string => !!s));
  let first: { commit: string; why: string } | null = null;
  for (let at: string | null = head; at && !stops.has(at);) {
    const obj = await reader.read(at);
    if (!obj || obj.type !== 'commit')
      throw new OrbitError('E_STATE_CORRUPT', `commit ${at} cannot be read`, { commit: at });
    const why = foreignReason(obj.content, trust);
    if (why) first = { commit: at, why };
    at = /^parent ([0-9a-f]{40})$/m.exec(obj.content.toString('latin1'))?.[1] ?? null;
  }
  if (first)
    throw new OrbitError(
      'E_STATE_FOREIGN',
      `branch ${branch} holds commit ${SHORT(first.commit)} that Orbit did not write: ${first.why}. ` +
        `Orbit refuses to read or act on it; inspect it with \`git show ${SHORT(first.commit)}\`` +
        (trust.signers ? '.' : `, and remove ${lastFile(gitdir, branch)} only to accept it deliberately.`),
      { branch, commit: first.commit, head, last, reason: first.why },
    );
}
