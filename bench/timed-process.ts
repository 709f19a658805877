/**
 * Runs one command to its end and measures its wall time, from spawn to exit, as a shell's `time`
 * would. A time limit kills the command's whole process group, so a benchmark of something that
 * hangs or crawls still finishes and reports that it did not complete.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface TimedRun {
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export function timed(
  argv: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<TimedRun> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('timed: empty command');
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a time limit ends its children too
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, options.timeoutMs)
      : undefined;
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t;
      const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString();
      resolve({ ms, code, signal, timedOut, stdout: text(stdout), stderr: text(stderr) });
    });
  });
}

/**
 * The command's failure in one line, for a result: the line that names an errno code
 * (`spawn git EMFILE`), else the first that says error, else the last line.
 */
export function failureOf(run: TimedRun): string | null {
  if (run.timedOut) return 'time limit reached';
  if (run.code === 0) return null;
  const lines = (run.stderr || run.stdout)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const telling =
    lines.find((l) => /\bE[A-Z]{3,}\b/.test(l)) ?? lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? '';
  return `exit ${run.code ?? run.signal}: ${telling.slice(0, 300)}`;
}
