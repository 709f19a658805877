import { constants } from 'node:os';
import { createOutputsFile } from './outputs-file.js';
import { DEFAULT_LOG_CAP, LiveMasker, OutputBuffer, STDERR_CAP } from './output-buffer.js';
import { startProcess, type SpawnVia } from './local-process.js';
import { groupAlive, killTree } from './process-tree.js';
import { AgentErrorCode, TIMEOUT_EXIT_CODE, failedResult } from './result.js';
import type { Agent, AgentContext, AgentResult, Invocation } from './types.js';

export interface ExecAgentOptions {
  /** Bytes of log kept (first and last half). */
  logCap?: number;
  /** Time between SIGTERM and SIGKILL when a process tree is stopped. */
  killGraceMs?: number;
  /** How long to wait for stdout/stderr to close after the process exited (a background child may hold them). */
  drainMs?: number;
  /** Through the spawn helper (spawn-helper.ts) or from this process; default `auto` (by its memory). */
  spawnVia?: SpawnVia;
}

/**
 * Variables of Orbit's own environment that a local process gets. Everything else (tokens,
 * DOCKER_HOST, ...) stays with the daemon unless the step sets `inherit_env = true`.
 */
export const INHERITED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TERM',
];

/**
 * `exec`: a local process. params: `workdir` (cwd), `inherit_env` (bool: pass Orbit's whole
 * environment). The argument array is spawned as is, no shell in between.
 */
export class ExecAgent implements Agent {
  readonly kind = 'exec';
  private readonly logCap: number;
  private readonly killGraceMs: number;
  private readonly drainMs: number;
  private readonly spawnVia: SpawnVia;

  constructor(opts: ExecAgentOptions = {}) {
    this.logCap = opts.logCap ?? DEFAULT_LOG_CAP;
    this.killGraceMs = opts.killGraceMs ?? 5000;
    this.drainMs = opts.drainMs ?? 500;
    this.spawnVia = opts.spawnVia ?? 'auto';
  }

  async run(inv: Invocation, ctx: AgentContext): Promise<AgentResult> {
    const startedAt = Date.now();
    const [command, ...args] = inv.args;
    if (!command)
      return failedResult(AgentErrorCode.Start, 'exec step has an empty argument array', startedAt);
    const workdir = inv.params.workdir;
    if (workdir !== undefined && typeof workdir !== 'string')
      return failedResult(AgentErrorCode.Params, 'exec param "workdir" must be a string', startedAt);
    if (ctx.signal?.aborted) return failedResult(AgentErrorCode.Aborted, 'aborted before start', startedAt);

    const outputsFile = await createOutputsFile();
    try {
      return await this.spawnAndWait(command, args, workdir, inv, ctx, outputsFile.path, startedAt).then(
        async (r) => {
          if (r.error?.code === AgentErrorCode.Start) return r;
          const { outputs, truncated } = await outputsFile.read();
          return {
            ...r,
            outputs,
            log: truncated ? `${r.log}\n[orbit: outputs file over 1 MiB, read truncated]` : r.log,
          };
        },
      );
    } finally {
      await outputsFile.remove();
    }
  }

  /** Starts the command in its own process group and resolves once it exited and its output drained. */
  private spawnAndWait(
    command: string,
    args: string[],
    workdir: string | undefined,
    inv: Invocation,
    ctx: AgentContext,
    outputPath: string,
    startedAt: number,
  ): Promise<AgentResult> {
    const log = new OutputBuffer(this.logCap);
    // stderr apart as well (its end is what a failed step's record keeps): small, only its end matters.
    const errors = new OutputBuffer(STDERR_CAP);
    const live = ctx.onOutput ? new LiveMasker(ctx.secrets, ctx.onOutput) : undefined;

    return new Promise<AgentResult>((resolve) => {
      // Through the helper the pid comes a message later: a stop asked before it waits for it.
      let pid: number | undefined;
      let stopped: Stop | undefined;
      let killer: { cancel(): void } | undefined;
      let settled = false;

      const kill = () => {
        if (stopped && pid !== undefined && !killer) killer = killTree(pid, this.killGraceMs);
      };
      const stop = (why: Stop) => {
        if (stopped) return;
        stopped = why;
        kill();
      };
      const timer = setTimeout(() => stop('timeout'), Math.max(1, inv.timeoutMs));
      const onAbort = () => stop('abort');
      ctx.signal?.addEventListener('abort', onAbort, { once: true });

      const finish = (result: AgentResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // The whole group is gone: no SIGKILL later to a pid number the system may reuse.
        if (killer && pid !== undefined && !groupAlive(pid)) killer.cancel();
        ctx.signal?.removeEventListener('abort', onAbort);
        live?.flush();
        resolve(result);
      };
      const captured = () => ({
        log: log.text(ctx.secrets),
        stderr: errors.text(ctx.secrets),
        durationMs: Date.now() - startedAt,
      });

      startProcess(
        { command, args, cwd: workdir, env: processEnv(inv, outputPath), drainMs: this.drainMs },
        {
          pid: (p) => {
            pid = p;
            kill();
          },
          data: (chunk, stderr) => {
            log.write(chunk);
            if (stderr) errors.write(chunk);
            live?.push(chunk.toString('utf8'));
          },
          error: (code, message, thrown) =>
            finish(
              thrown
                ? failedResult(AgentErrorCode.Start, `cannot start ${command}: ${message}`, startedAt)
                : startFailure(command, code, message, startedAt),
            ),
          done: (code, signal) =>
            finish({ ...exitOutcome(code, signal, stopped, inv.timeoutMs), outputs: {}, ...captured() }),
          lost: () => {
            // Its exit code is unknowable now: stop what may still run and fail the step.
            if (pid !== undefined) killTree(pid, this.killGraceMs);
            finish({
              ...failedResult(
                AgentErrorCode.Lost,
                'the spawn helper that ran the command exited before it did; its process tree was stopped',
                startedAt,
              ),
              ...captured(),
              exitCode: 1,
            });
          },
        },
        this.spawnVia,
      );
    });
  }
}

type Stop = 'timeout' | 'abort';

/**
 * The allow-listed part of Orbit's environment, read once: reading process.env (a call into the
 * C++ side per variable) was 0.1-0.2 ms of every exec step. Orbit's own environment is set when it
 * starts; `inherit_env` still reads it whole at each run.
 */
let inherited: Record<string, string> | undefined;
function inheritedEnv(): Record<string, string> {
  if (!inherited) {
    inherited = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && (INHERITED_ENV.includes(k) || k.startsWith('LC_'))) inherited[k] = v;
  }
  return inherited;
}

/**
 * The child's environment: the inherited allow-list (or everything, with `inherit_env`), the
 * invocation's variables, and where to write outputs.
 */
function processEnv(inv: Invocation, outputPath: string): Record<string, string> {
  const base = inv.params.inherit_env === true ? process.env : inheritedEnv();
  return { ...base, ...inv.env, ORBIT_OUTPUT: outputPath } as Record<string, string>;
}

function startFailure(
  command: string,
  code: string | undefined,
  message: string,
  startedAt: number,
): AgentResult {
  return failedResult(AgentErrorCode.Start, `cannot start ${command}: ${code ?? message}`, startedAt, {
    log: `cannot start ${command}: ${message}`,
  });
}

/** The exit code and error of a process that exited, knowing whether Orbit stopped it. */
function exitOutcome(
  code: number | null,
  signal: NodeJS.Signals | null,
  stopped: Stop | undefined,
  timeoutMs: number,
): Pick<AgentResult, 'exitCode' | 'error'> {
  let exitCode = code ?? 128 + signalNumber(signal);
  if (stopped === 'timeout') {
    if (exitCode === 0) exitCode = TIMEOUT_EXIT_CODE;
    return { exitCode, error: { code: AgentErrorCode.Timeout, message: `timed out after ${timeoutMs} ms` } };
  }
  if (stopped === 'abort') {
    if (exitCode === 0) exitCode = 130;
    return { exitCode, error: { code: AgentErrorCode.Aborted, message: 'stopped: aborted' } };
  }
  return { exitCode };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return (signal && constants.signals[signal]) || 1;
}
