import * as fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

/**
 * Write to a temp file, then rename over the target: a reader or a crash never sees half a file.
 * `tmpDir` must be on the same file system as `file`; by default the temp file sits beside it.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  tmpDir?: string,
): Promise<void> {
  const tmp = path.join(
    tmpDir ?? path.dirname(file),
    `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await fsp.writeFile(tmp, data);
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * The `fs` handed to isomorphic-git. Its loose-object writer skips a file that already exists, so
 * a torn object left by a killed process would be trusted forever: every write here is atomic.
 * Temp files go to one directory (inside the git dir) that the writer empties when it opens, so
 * a crash leaves no debris among the objects for `git fsck` to report.
 */
export type AtomicFs = Omit<typeof fsp, 'writeFile'> & {
  writeFile: (file: string, data: string | Uint8Array) => Promise<void>;
};

export function atomicFsIn(tmpDir: string): AtomicFs {
  return {
    ...fsp,
    writeFile: (file: string, data: string | Uint8Array) => writeFileAtomic(file, data, tmpDir),
  };
}

/** Empties (and creates) the temp directory: only the lock holder writes there. */
export async function resetTmpDir(tmpDir: string): Promise<void> {
  await fsp.rm(tmpDir, { recursive: true, force: true });
  await fsp.mkdir(tmpDir, { recursive: true });
}
