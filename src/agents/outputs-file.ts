import { rmSync, statSync, unlinkSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { TempFilePool } from '../util/temp-pool.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An outputs file larger than this is read only this far (outputs are small values, not logs). */
export const MAX_OUTPUTS_BYTES = 1024 * 1024;

export interface OutputsFile {
  /** Path of the (fresh, empty) file. */
  path: string;
  read(): Promise<{ outputs: Record<string, string>; truncated: boolean }>;
  remove(): Promise<void>;
}

/**
 * One private (0700) folder per process holds every run's outputs file: a folder per run cost a
 * mkdtemp, a write and a recursive rm, about 1 ms of fs round trips per step. Removed at exit.
 */
let folder: Promise<string> | undefined;

function outputsFolder(): Promise<string> {
  folder ??= mkdtemp(join(tmpdir(), 'orbit-out-')).then((dir) => {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  });
  return folder;
}

/**
 * Empty outputs files made ahead of need, between steps (see TempFilePool), in the folder of the
 * moment: a temp cleaner that removed the folder gets a new folder and a new pool.
 */
const SPARE = 8;
const EMPTY = Buffer.alloc(0);
let pool: { dir: string; files: TempFilePool } | undefined;

async function outputsPool(): Promise<TempFilePool> {
  const dir = await outputsFolder();
  if (pool?.dir !== dir) {
    void pool?.files.stop();
    pool = { dir, files: new TempFilePool(dir, { size: SPARE, mode: 0o600, prefix: 'output' }) };
  }
  return pool.files;
}

/**
 * A fresh empty file for ORBIT_OUTPUT. It is created exclusively (`wx`, which follows no
 * symlink) in a folder only this user can write, so no other run can have placed anything at it
 * beforehand.
 *
 * The calls on the file of every run (fill, stat, unlink) are synchronous: each takes
 * microseconds on a local temp folder, while a thread-pool round trip per call cost more, up to a
 * millisecond each on a loaded machine (`npm run bench -- exec-overhead`). Contents, when there
 * are any, are read asynchronously.
 */
export async function createOutputsFile(): Promise<OutputsFile> {
  for (let attempt = 0; ; attempt++) {
    const files = await outputsPool();
    let path: string;
    try {
      path = files.fill(EMPTY);
    } catch (err) {
      // A temp cleaner removed the folder: make a new one, once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw err;
      folder = undefined;
      continue;
    }
    files.refill();
    return { path, read: () => readOutputsFile(path), remove: () => removeOutputsFile(path) };
  }
}

const none = () => ({ outputs: {}, truncated: false });

/** The outputs a run appended to its file; none when it deleted the file. */
async function readOutputsFile(
  path: string,
): Promise<{ outputs: Record<string, string>; truncated: boolean }> {
  // Most steps write no outputs: the size says so without opening the file. A folder put in the
  // file's place holds none either (reading it would throw EISDIR).
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat || stat.size === 0 || !stat.isFile()) return none();
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return none();
  try {
    const buf = Buffer.alloc(MAX_OUTPUTS_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const truncated = bytesRead > MAX_OUTPUTS_BYTES;
    const text = buf.subarray(0, Math.min(bytesRead, MAX_OUTPUTS_BYTES)).toString('utf8');
    return { outputs: parseOutputs(text), truncated };
  } finally {
    await fh.close();
  }
}

async function removeOutputsFile(path: string): Promise<void> {
  try {
    unlinkSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // The run may have deleted it, or put a folder in its place.
    if (code !== 'ENOENT') await rm(path, { recursive: true, force: true });
  }
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
