import * as fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

/** Write to a temp file beside the target, then rename: a reader or a crash never sees half a file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
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
 */
export const atomicFs = {
  ...fsp,
  writeFile: (file: string, data: string | Uint8Array): Promise<void> => writeFileAtomic(file, data),
};
