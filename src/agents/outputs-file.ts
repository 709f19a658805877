import { close, closeSync, open as openCallback, openSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
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
 * Empty outputs files made ahead of need, between steps: creating a file (an inode) is the slow
 * call of a step's set-up on ext4, where handing out one made earlier costs a stat.
 */
const SPARE = 4;
const openAsync = promisify(openCallback);
const closeAsync = promisify(close);
const spare: string[] = [];
let refilling = false;

/** The folder is private (0700) and made by mkdtemp: a counter names its files. */
let seq = 0;
function newPath(dir: string): string {
  return join(dir, `output-${seq++}`);
}

/** All at once: one event loop turn between steps makes them all (one at a time fell behind). */
function refill(): void {
  if (refilling || spare.length >= SPARE) return;
  refilling = true;
  void (async () => {
    try {
      const dir = await outputsFolder();
      const paths = Array.from({ length: SPARE - spare.length }, () => newPath(dir));
      const made = await Promise.allSettled(
        paths.map(async (path) => {
          await closeAsync(await openAsync(path, 'wx', 0o600));
          return path;
        }),
      );
      for (const m of made) if (m.status === 'fulfilled') spare.push(m.value);
    } catch {
      // Spares only save time: a run creates its own file when there is none.
    } finally {
      refilling = false;
    }
  })();
}

/** A spare that is still the empty file it was made as (a temp cleaner may have removed it). */
function takeSpare(): string | undefined {
  for (let path = spare.pop(); path !== undefined; path = spare.pop()) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isFile() && st.size === 0) return path;
  }
  return undefined;
}

/**
 * A fresh empty file for ORBIT_OUTPUT. It is created exclusively (`wx`,
 * which follows no symlink) in a folder only this user can write, so no other run can have placed anything at it beforehand.
 *
 * The calls on the file of every run (create, stat, unlink) are synchronous: each takes
 * microseconds on a local temp folder, while a thread-pool round trip per call cost more, up to a
 * millisecond each on a loaded machine (`npm run bench -- exec-overhead`). Contents, when there
 * are any, are read asynchronously.
 */
export async function createOutputsFile(): Promise<OutputsFile> {
  let path = takeSpare();
  for (let attempt = 0; path === undefined; attempt++) {
    const candidate = newPath(await outputsFolder());
    try {
      closeSync(openSync(candidate, 'wx', 0o600));
      path = candidate;
    } catch (err) {
      // A temp cleaner removed the folder: make a new one, once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw err;
      folder = undefined;
    }
  }
  refill();
  const file = path;
  return { path: file, read: () => readOutputsFile(file), remove: () => removeOutputsFile(file) };
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
