/**
 * Streams a git command's output as records (lines, or NUL-terminated for `-z` output). Leaving
 * the loop early kills git; reaching the end checks its exit status like `run` does.
 */
import type { ErrorCode } from '../util/error-codes.js';
import { spawn } from 'node:child_process';
import { OrbitError } from '../util/errors.js';
import { gitEnv } from './env.js';
import { gitArgs, oneLine, type GitTarget } from './run.js';

export interface StreamOptions extends GitTarget {
  /** `\n` (default) or `\0`. */
  separator?: '\n' | '\0';
  errorCode?: ErrorCode;
}

export async function* stream(args: readonly string[], options: StreamOptions = {}): AsyncGenerator<string> {
  const sep = options.separator === '\0' ? 0 : 10;
  const command = `git ${args.join(' ')}`;
  const child = spawn('git', gitArgs(options, args), {
    cwd: options.cwd,
    env: gitEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const err: Buffer[] = [];
  child.stderr.on('data', (d: Buffer) => err.push(d));
  let spawnError: Error | null = null;
  child.on('error', (e) => (spawnError = e));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    let rest: Buffer = Buffer.alloc(0);
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      for (let i = buf.indexOf(sep); i >= 0; i = buf.indexOf(sep)) {
        yield buf.subarray(0, i).toString('utf8');
        buf = buf.subarray(i + 1);
      }
      rest = buf;
    }
    if (rest.length) yield rest.toString('utf8');
  } finally {
    // Left early (break, return, a throw): git need not write the rest.
    if (child.exitCode === null) child.kill();
  }
  const status = await closed;
  const stderr = Buffer.concat(err).toString('utf8');
  if (spawnError || status !== 0) {
    const why = spawnError ? (spawnError as Error).message : `exit ${status}: ${oneLine(stderr)}`;
    throw new OrbitError(options.errorCode ?? 'E_GIT', `${command} failed (${why})`, {
      command,
      status,
      stderr,
    });
  }
}
