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

/** Empties (and creates) the temp directory: only the lock holder writes there. */
export async function resetTmpDir(tmpDir: string): Promise<void> {
  await fsp.rm(tmpDir, { recursive: true, force: true });
  await fsp.mkdir(tmpDir, { recursive: true });
}
