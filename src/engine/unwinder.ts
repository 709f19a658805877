/**
 * Runs the recorded reverse actions of a deployment, newest step first. Each reverse is announced
 * (`reverse-started`) before it runs, so the log always says what may have run; one that cannot
 * run yet (a sensitive value is not available, an in-doubt step whose reverse needs outputs that
 * were never recorded) stops the unwind as `unwind-blocked` before anything runs. A reverse's result
 * is written with the next one's announcement (or the unwind's end), in one append.
 */
import { newRunTag } from '../agents/run-tag.js';
import { holdsAfterUnwind } from '../state/chain/index.js';
import { newEntry } from '../state/index.js';
import { inDoubt } from '../state/projection.js';
import type { DeploymentRecord, LogEntry, StepRecord } from '../state/types.js';
import { maskDeep, maskText, type Secret } from '../util/secrets.js';
import { beforeRun, failureOf, interrupted, invoke, mustRead, type ExecutorDeps } from './agent-call.js';
import { missingSecrets, toInvocation, unmaskAction } from './invocation.js';
import { PendingEntries } from './pending-entries.js';
import { stderrTail } from './stderr-tail.js';

export interface UnwindRequest {
  deployment: DeploymentRecord;
  reason: string;
  author: string;
  /** How the author was verified; see DeployRequest.verifiedBy. */
  verifiedBy?: string | null;
  /** The config commit that asked for it (a revert), else the deployment's own. */
  commit: string | null;
  secrets: Secret[];
  /** False when continuing an unwind that a crash interrupted: no second unwind-started. */
  announce?: boolean;
  /** Called once `unwind-started` is in the log. */
  onStarted?(): void;
  /** A person confirmed that the in-doubt step the unwind was blocked on was undone by hand. */
  inDoubtDone?: boolean;
}

type ReverseOutcome = 'reversed' | 'failed' | 'blocked' | 'interrupted';

export async function executeUnwind(deps: ExecutorDeps, req: UnwindRequest): Promise<DeploymentRecord> {
  const d = req.deployment;
  const common = {
    deploy_id: d.deploy_id,
    previous_deploy_id: d.previous_deploy_id,
    config_commit: req.commit ?? d.config_commit,
    author: req.author,
    ...(req.verifiedBy ? { verified_by: req.verifiedBy } : {}),
    step_count: d.step_count,
    reason: req.reason,
  };
  const plan: StepRecord[] = await deps.state.unwindPlan(d.deploy_id);
  const pending = new PendingEntries(deps);
  const onStarted = () => req.onStarted?.();
  // Written with the first reverse's announcement.
  if (req.announce !== false)
    pending.defer(newEntry('unwind-started', d.service_id, deps.now(), common), onStarted);
  else onStarted();
  try {
    return await reverseAll(deps, req, common, plan, pending);
  } catch (err) {
    // What was decided is not dropped because something after it threw.
    await pending.write().catch(() => undefined);
    throw err;
  }
}

async function reverseAll(
  deps: ExecutorDeps,
  req: UnwindRequest,
  common: Partial<LogEntry>,
  plan: StepRecord[],
  pending: PendingEntries,
): Promise<DeploymentRecord> {
  const d = req.deployment;
  for (let i = 0; i < plan.length; i++) {
    // Asked to stop: the unwind stays in flight; recovery goes on where it stopped.
    if (deps.stopping?.()) {
      await pending.write();
      return mustRead(deps.state, d.deploy_id);
    }
    const links = {
      ...common,
      step_id: plan[i]!.step_id,
      step_name: plan[i]!.step_name,
      step_index: plan[i]!.step_index,
      previous_step_id: i > 0 ? plan[i - 1]!.step_id : null,
      next_step_id: i + 1 < plan.length ? plan[i + 1]!.step_id : null,
      forward_action: plan[i]!.forward_action,
      reverse_action: plan[i]!.reverse_action,
    };
    const outcome = await reverseStep(
      deps,
      pending,
      d,
      plan[i]!,
      links,
      req.secrets,
      req.inDoubtDone === true,
    );
    if (outcome !== 'reversed') {
      await pending.write();
      return mustRead(deps.state, d.deploy_id);
    }
  }
  // The hold is written with the unwind's end (never the end without it): a crash before both
  // leaves the unwind in flight, and recovery finishes it (for the same reason) and writes both.
  if (holdsAfterUnwind(req.reason)) {
    pending.defer(
      newEntry('service-held', d.service_id, deps.now(), {
        deploy_id: d.deploy_id,
        config_commit: common.config_commit ?? null,
        author: req.author,
        reason: req.reason,
      }),
    );
  }
  await pending.write(newEntry('deploy-unwound', d.service_id, deps.now(), common));
  return mustRead(deps.state, d.deploy_id);
}

/** Why a recorded reverse action cannot run now, or null. */
function blockedBy(step: StepRecord, secrets: readonly Secret[]): { code: string; message: string } | null {
  const label = `step ${step.step_index + 1} ${step.step_name}`;
  if (inDoubt(step) && step.in_doubt === 'blocked') {
    return {
      code: 'E_IN_DOUBT_NEEDS_OUTPUTS',
      message: `${label} may have run (Orbit stopped while it ran), and its reverse action needs the step's outputs, which were never recorded: undo it by hand, then run \`orbit unwind ${step.step_id.split('/')[0]} --in-doubt-done\``,
    };
  }
  const missing = step.reverse_action ? missingSecrets(step.reverse_action, secrets) : [];
  if (missing.length === 0) return null;
  const names = missing.map((n) => `"${n}"`).join(', ');
  return {
    code: 'E_SECRET_UNAVAILABLE',
    message: `the reverse action of ${label} needs sensitive variable ${names}, which is not available (set ${missing.map((n) => `ORBIT_VAR_${n}`).join(', ')} and run the unwind again)`,
  };
}

/** Announces and runs one reverse: its result waits in `pending` when it succeeded. */
async function reverseStep(
  deps: ExecutorDeps,
  pending: PendingEntries,
  d: DeploymentRecord,
  step: StepRecord,
  links: Partial<LogEntry>,
  secrets: Secret[],
  inDoubtDone: boolean,
): Promise<ReverseOutcome> {
  const service = d.service_id;
  // Recorded as reversed without running anything, with the reason as its log.
  const reversedWithoutRunning = (log: string): ReverseOutcome => {
    pending.defer(
      newEntry('step-reversed', service, deps.now(), { ...links, duration_ms: 0, exit_code: 0, log }),
    );
    return 'reversed';
  };
  if (inDoubtDone && inDoubt(step) && step.in_doubt === 'blocked')
    return reversedWithoutRunning(
      `in doubt: undone by hand, as ${String(links.author)} confirmed (--in-doubt-done)`,
    );
  const blocked = blockedBy(step, secrets);
  if (blocked) {
    await pending.write(newEntry('unwind-blocked', service, deps.now(), { ...links, error: blocked }));
    return 'blocked';
  }
  if (!step.reverse_action) return reversedWithoutRunning('no reverse action: nothing to undo');
  const action = unmaskAction(step.reverse_action, secrets);
  const runTag = newRunTag();
  await beforeRun(deps);
  await pending.write(newEntry('reverse-started', service, deps.now(), { ...links, run_tag: runTag }));
  const result = await invoke(
    deps,
    toInvocation(action, 'reverse'),
    {
      service,
      deploymentId: d.deploy_id,
      stepName: step.step_name,
      secrets,
      signal: deps.signal,
    },
    secrets,
    action.custom_image,
    runTag,
  );
  // Stopped on request: the reverse stays started in the log and runs again on recovery.
  if (interrupted(deps, result)) return 'interrupted';
  const outcome = {
    ...links,
    duration_ms: result.durationMs,
    exit_code: result.exitCode,
    outputs: maskDeep(result.outputs, secrets),
    log: maskText(result.log, secrets),
  };
  if (result.exitCode !== 0 || result.error) {
    const error = failureOf(result, secrets);
    const stderr_tail = stderrTail(result, secrets);
    await pending.write(
      newEntry('step-reverse-failed', service, deps.now(), { ...outcome, error, stderr_tail }),
      newEntry('unwind-failed', service, deps.now(), { ...links, error }),
    );
    return 'failed';
  }
  pending.defer(newEntry('step-reversed', service, deps.now(), outcome));
  return 'reversed';
}
