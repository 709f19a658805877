import { chmod, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An outputs file larger than this is read only this far (outputs are small values, not logs). */
export const MAX_OUTPUTS_BYTES = 1024 * 1024;

export interface OutputsFile {
  /** Folder holding the file; the docker agent bind-mounts it. */
  dir: string;
  /** Host path of the (fresh, empty) file. */
  path: string;
  read(): Promise<{ outputs: Record<string, string>; truncated: boolean }>;
  remove(): Promise<void>;
}

export const OUTPUTS_FILE_NAME = 'output';

/**
 * A fresh empty file for ORBIT_OUTPUT in a private temp folder. `shared` opens it to any user,
 * because a container may run as a user other than Orbit's.
 */
export async function createOutputsFile(
  opts: { baseDir?: string; shared?: boolean } = {},
): Promise<OutputsFile> {
  const dir = await mkdtemp(join(opts.baseDir ?? tmpdir(), 'orbit-out-'));
  const path = join(dir, OUTPUTS_FILE_NAME);
  await writeFile(path, '');
  if (opts.shared) {
    await chmod(dir, 0o777);
    await chmod(path, 0o666);
  }
  return {
    dir,
    path,
    async read() {
      const fh = await open(path, 'r').catch(() => undefined);
      // The agent may have deleted the file: no outputs, not an error.
      if (!fh) return { outputs: {}, truncated: false };
      try {
        const buf = Buffer.alloc(MAX_OUTPUTS_BYTES + 1);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        const truncated = bytesRead > MAX_OUTPUTS_BYTES;
        const text = buf.subarray(0, Math.min(bytesRead, MAX_OUTPUTS_BYTES)).toString('utf8');
        return { outputs: parseOutputs(text), truncated };
      } finally {
        await fh.close();
      }
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Parses `KEY=VALUE` lines and GitHub Actions' multi-line form:
 *
 *     KEY<<DELIM
 *     line 1
 *     line 2
 *     DELIM
 *
 * Later keys win. Blank lines and lines that are neither form are ignored; an unterminated
 * multi-line value runs to the end of the file.
 */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([A-Za-z_][A-Za-z0-9_.-]*)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delim] = heredoc as unknown as [string, string, string];
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) body.push(lines[i] ?? '');
      out[key] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) continue;
    out[key] = line.slice(eq + 1);
  }
  return out;
}
