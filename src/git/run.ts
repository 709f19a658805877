/**
 * The one way Orbit runs a git command and waits for it: the exit status is explicit (a silent
 * non-zero exit is an error unless the caller names it as expected), stdout and stderr are fully
 * drained before it resolves ('close', not 'exit'), and nothing is delayed.
 */
import type { ErrorCode } from '../util/error-codes.js';
import { spawn } from 'node:child_process';
import { OrbitError } from '../util/errors.js';
import { SAFE_CONFIG, gitEnv } from './env.js';

export interface GitTarget {
  /** Working directory (a work tree, or a git dir for bare repositories). */
  cwd?: string;
  /** Passed as `--git-dir`: the repository, whatever the working directory. */
  gitDir?: string;
}

export interface RunOptions extends GitTarget {
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
  /** Exit statuses that are answers, not failures (e.g. 1 for `merge-base --is-ancestor`). */
  okStatus?: readonly number[] | 'any';
  /** Reaching a remote: its environment, no prompts. */
  remote?: boolean;
  /** Kills git after this long (remotes); none by default. */
  timeoutMs?: number;
  /** The code of the error thrown on failure; `E_GIT` by default. */
  errorCode?: ErrorCode;
  /** Rewrites text before it reaches an error (e.g. credentials in a URL). */
  redact?: (text: string) => string;
}

export interface RunResult<T> {
  status: number;
  stdout: T;
  stderr: string;
}

/** The arguments git is started with, after the repository and the safety options. */
export function gitArgs(target: GitTarget, args: readonly string[]): string[] {
  return [...SAFE_CONFIG, ...(target.gitDir ? ['--git-dir', target.gitDir] : []), ...args];
}

export function runBuffer(args: readonly string[], options: RunOptions = {}): Promise<RunResult<Buffer>> {
  const redact = options.redact ?? ((s: string) => s);
  const command = redact(`git ${args.join(' ')}`);
  const fail = (message: string, data: Record<string, unknown>, cause?: unknown): OrbitError =>
    new OrbitError(options.errorCode ?? 'E_GIT', message, { command, ...data }, { cause });
  return new Promise((resolve, reject) => {
    const child = spawn('git', gitArgs(options, args), {
      cwd: options.cwd,
      env: gitEnv({ remote: options.remote }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let spawnError: Error | null = null;
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? null
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => (spawnError = e));
    // git may exit without reading its input (a bad argument): that is its exit status's story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const stderr = redact(Buffer.concat(err).toString('utf8'));
      const stdout = Buffer.concat(out);
      if (spawnError) {
        return reject(
          fail(
            `${command} could not run${options.cwd ? ` in ${options.cwd}` : ''}: ${spawnError.message}`,
            { status: null, stderr },
            spawnError,
          ),
        );
      }
      if (timedOut) {
        return reject(fail(`${command} timed out after ${options.timeoutMs} ms`, { status: null, stderr }));
      }
      const status = code ?? -1;
      if (status === 0 || options.okStatus === 'any' || options.okStatus?.includes(status))
        return resolve({ status, stdout, stderr });
      const why = oneLine(stderr) || (signal ? `killed by ${signal}` : 'no message');
      // Some commands (push --porcelain) say what went wrong on stdout.
      const text = redact(stdout.subarray(0, 64 * 1024).toString('utf8'));
      reject(
        fail(`${command} failed (exit ${signal ?? status}): ${why}`, {
          status,
          signal,
          stderr,
          stdout: text,
        }),
      );
    });
  });
}

/** Like runBuffer, stdout as UTF-8 text. */
export async function run(args: readonly string[], options: RunOptions = {}): Promise<RunResult<string>> {
  const r = await runBuffer(args, options);
  return { ...r, stdout: r.stdout.toString('utf8') };
}

/** git's stderr on one line (errors are one-line messages), its distinct lines joined. */
export function oneLine(stderr: string, max = 500): string {
  const lines = [
    ...new Set(
      stderr
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  const text = lines.join('; ');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
