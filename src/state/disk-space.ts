/**
 * The log must be writable before an agent runs: a step whose result cannot be recorded is a step
 * Orbit ran and forgot. `ensureWritable` checks free space (fs.statfs) against a reserve that
 * covers the result entry (a step log is capped at 1 MiB) and that the folder is writable;
 * `storageError` gives ENOSPC / EROFS met while writing their own codes.
 */
import { accessSync, constants, statfsSync } from 'node:fs';
import { OrbitError } from '../util/errors.js';

/** Free bytes required before a step runs: a full result entry, its views, and room to spare. */
export const DEFAULT_RESERVE_BYTES = 8 * 1024 * 1024;

const MiB = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/**
 * Before every step: two system calls of a few microseconds, made synchronously, where a round
 * trip each through libuv's thread pool cost a quarter of a millisecond a step.
 */
export async function ensureWritable(dir: string, reserveBytes = DEFAULT_RESERVE_BYTES): Promise<void> {
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw storageError(err, dir) ?? err;
  }
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  if (free < reserveBytes) {
    throw new OrbitError(
      'E_STATE_DISK_FULL',
      `the disk holding the state branch (${dir}) has ${MiB(free)} free, less than the ${MiB(reserveBytes)} Orbit keeps to record a step's result: nothing was run; free some space and run it again`,
      { dir, free, reserve: reserveBytes },
    );
  }
}

/** ENOSPC / EDQUOT / EROFS as Orbit errors with their own codes; null for anything else. */
export function storageError(err: unknown, dir: string): OrbitError | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new OrbitError(
      'E_STATE_DISK_FULL',
      `the disk holding the state branch (${dir}) is full: the entry was not written; free some space and run \`orbit reconcile\``,
      { dir, errno: code },
    );
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new OrbitError(
      'E_STATE_NOT_WRITABLE',
      `the state branch's repository (${dir}) cannot be written (${code}): nothing was run`,
      { dir, errno: code },
    );
  }
  return null;
}
