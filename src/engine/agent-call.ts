/**
 * What deploys and unwinds share: the executor's dependencies, appending an entry, calling an
 * agent with the run's tag, and turning a failure into the masked error the log records.
 */
import type { Agent, AgentContext, AgentResult, Invocation } from '../agents/types.js';
import { AgentErrorCode } from '../agents/result.js';
import { RUN_TAG_ENV } from '../agents/run-tag.js';
import type { DeploymentRecord, LogEntry, StateLog } from '../state/types.js';
import { OrbitError } from '../util/errors.js';
import { maskText, type Secret } from '../util/secrets.js';

export interface AgentLookup {
  get(kind: string): Agent;
  custom(kind: string, definition: { image: string; params: Record<string, unknown> }): Agent;
}

export interface ExecutorDeps {
  state: StateLog & { ensureWritable?(): Promise<void> };
  agents: AgentLookup;
  now(): Date;
  /** Sees every entry as written (masked): live display, metrics, structured logs. */
  observe?(entry: LogEntry): void;
  /** Aborted to stop the running agents now (a second Ctrl-C). */
  signal?: AbortSignal;
  /** True once a stop was asked for: a run ends before its next step or reverse action. */
  stopping?(): boolean;
}

/** Appends entries (several: in one append, all or none) and shows each to the observer, in order. */
export async function write(deps: ExecutorDeps, ...entries: LogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await deps.state.appendAll(entries);
  for (const e of entries) deps.observe?.(e);
}

/**
 * Fails before an agent runs when its result could not be recorded (disk full, read-only): a
 * step that ran must never be lost.
 */
export async function beforeRun(deps: ExecutorDeps): Promise<void> {
  await deps.state.ensureWritable?.();
}

export async function invoke(
  deps: ExecutorDeps,
  invocation: Invocation,
  ctx: AgentContext,
  secrets: readonly Secret[],
  image: string | undefined,
  runTag: string,
): Promise<AgentResult> {
  const started = Date.now();
  const tagged = { ...invocation, env: { ...invocation.env, [RUN_TAG_ENV]: runTag } };
  try {
    const agent = image
      ? deps.agents.custom(invocation.kind, { image, params: {} })
      : deps.agents.get(invocation.kind);
    return await agent.run(tagged, ctx);
  } catch (err) {
    // Agents report failures as results; anything thrown (unknown kind, a bug) fails the step the same way.
    const error = errorOf(err, secrets, 'E_AGENT_ERROR');
    return { exitCode: -1, outputs: {}, log: '', durationMs: Date.now() - started, error };
  }
}

/** The agent was stopped because Orbit was asked to stop now: its outcome is unknown. */
export const interrupted = (deps: ExecutorDeps, r: AgentResult): boolean =>
  deps.signal?.aborted === true && (r.error?.code === AgentErrorCode.Aborted || r.exitCode !== 0);

export const INTERRUPTED_MESSAGE = 'Orbit stopped while this step was running; its outcome is unknown';

/** An error as the log records it: its stable code (or `fallback`) and its message, masked. */
export function errorOf(
  err: unknown,
  secrets: readonly Secret[],
  fallback: string,
): { code: string; message: string } {
  return {
    code: err instanceof OrbitError ? err.code : fallback,
    message: maskText(err instanceof Error ? err.message : String(err), secrets),
  };
}

/** Why an agent's run failed, masked: an agent's own error message may quote a URL or argument. */
export function failureOf(r: AgentResult, secrets: readonly Secret[]): { code: string; message: string } {
  const error = r.error ?? { code: 'E_STEP_FAILED', message: `exited with status ${r.exitCode}` };
  return { code: error.code, message: maskText(error.message, secrets) };
}

export async function mustRead(state: StateLog, deployId: string): Promise<DeploymentRecord> {
  const record = await state.deployment(deployId);
  if (!record)
    throw new OrbitError('E_UNKNOWN_DEPLOYMENT', `no deployment ${deployId} in the log`, { deployId });
  return record;
}
