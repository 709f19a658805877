/**
 * Runs one deployment, writing the intent before each agent runs and the result after, so a crash
 * never forgets a step that may have run. A step's result is written with the next step's intent
 * (or the deployment's end), in one append (see `PendingEntries`). Steps are rendered just before they run, so they can use
 * earlier steps' outputs. Nothing here decides *what* to run next: that is the scheduler's job;
 * this is the layer that does I/O. Unwinds are in `unwinder.ts`.
 */
import { newRunTag } from '../agents/run-tag.js';
import { renderChecks, renderStep } from '../config/render.js';
import type { DependencyScope, RenderContext, ResolvedVariables, ServiceSpec } from '../config/types.js';
import { newEntry } from '../state/index.js';
import type { ActionRecord, DeploymentRecord, InDoubt, LogEntry } from '../state/types.js';
import { maskDeep, maskText, maskValues, type Secret } from '../util/secrets.js';
import {
  INTERRUPTED_MESSAGE,
  beforeRun,
  errorOf,
  failureOf,
  interrupted,
  invoke,
  mustRead,
  type ExecutorDeps,
} from './agent-call.js';
import { stepId } from './ids.js';
import { stderrTail } from './stderr-tail.js';
import { actionsOf, maskAction, toInvocation } from './invocation.js';
import { executeUnwind } from './unwinder.js';
import { checksAfter, verify } from './checks/verify.js';
import { PendingEntries } from './pending-entries.js';

export { mustRead, write, type AgentLookup, type ExecutorDeps } from './agent-call.js';
export { executeUnwind, type UnwindRequest } from './unwinder.js';

export interface DeployRequest {
  service: string;
  deployId: string;
  sequence: number;
  commit: string;
  author: string;
  spec: ServiceSpec;
  vars: ResolvedVariables;
  previous: DeploymentRecord | null;
  redeployOf: string | null;
  /** Set when re-running a deployment Orbit stopped in (recovery unwound it). */
  retryOf?: string | null;
  /** Why it was started when no commit asked for it (`sync`, `release`, `self-heal`): logged. */
  reason?: string | null;
  /** How the author was verified (an API identity, a config commit's signature): every entry says it. */
  verifiedBy?: string | null;
  /** Called once `deploy-started` is in the log. */
  onStarted?(): void;
  /** `dependency.<service>.*`, and the deployment each one read (recorded in deploy-started). */
  dependencies?: { scope: Record<string, DependencyScope>; ids: Record<string, string | null> };
}

/** What one step's run left: go on, unwind (it failed), or stop here (Orbit was told to stop now). */
type StepOutcome = 'applied' | 'failed' | 'interrupted';

/** One deployment in progress: what every step of it shares. */
interface DeployRun {
  deps: ExecutorDeps;
  req: DeployRequest;
  secrets: Secret[];
  ctx: RenderContext;
  /** Fields every entry of the deployment carries. */
  common: Partial<LogEntry>;
  /** What waits to be written with the next step's intent. */
  pending: PendingEntries;
}

export async function executeDeploy(deps: ExecutorDeps, req: DeployRequest): Promise<DeploymentRecord> {
  const { service, deployId, spec, vars } = req;
  const common = {
    deploy_id: deployId,
    previous_deploy_id: req.previous?.deploy_id ?? null,
    config_commit: req.commit,
    author: req.author,
    ...(req.verifiedBy ? { verified_by: req.verifiedBy } : {}),
    step_count: spec.steps.length,
  };
  const pending = new PendingEntries(deps);
  // Written with the first step's intent.
  pending.defer(
    newEntry('deploy-started', service, deps.now(), {
      ...common,
      values: maskValues(vars.values, vars.secrets),
      redeploy_of: req.redeployOf,
      ...(req.retryOf ? { retry_of: req.retryOf } : {}),
      ...(req.reason ? { reason: req.reason } : {}),
      ...(req.dependencies ? { dependencies: req.dependencies.ids } : {}),
    }),
    () => req.onStarted?.(),
  );
  try {
    return await runSteps({ deps, req, secrets: vars.secrets, ctx: contextOf(req, deps), common, pending });
  } catch (err) {
    // What was decided is not dropped because something after it threw.
    await pending.write().catch(() => undefined);
    throw err;
  }
}

function contextOf(req: DeployRequest, deps: ExecutorDeps): RenderContext {
  return {
    orbit: {
      deployment_id: req.deployId,
      service: req.service,
      commit: req.commit,
      author: req.author,
      timestamp: deps.now().toISOString(),
      sequence: req.sequence,
    },
    previous: req.previous ? { id: req.previous.deploy_id, var: req.previous.values ?? {} } : null,
    stepOutputs: {},
    ...(req.dependencies ? { dependencies: req.dependencies.scope } : {}),
  };
}

async function runSteps(run: DeployRun): Promise<DeploymentRecord> {
  const { deps, req, ctx, common, pending } = run;
  const { service, deployId, spec, vars } = req;

  // Checks are rendered with this deployment's variables (validated when the config was loaded).
  const rendered = renderChecks(spec, vars, ctx);
  for (let index = 0; index < spec.steps.length; index++) {
    // Asked to stop: the deployment stays in flight for recovery, which unwinds and retries it.
    if (deps.stopping?.()) {
      await pending.write();
      return mustRead(deps.state, deployId);
    }
    const outcome = await runStep(run, index);
    if (outcome === 'interrupted') return mustRead(deps.state, deployId);
    // The checks that follow this step must bake before the next step runs (waves), on its
    // recorded result.
    const checks = checksAfter(rendered, spec.steps[index]!.name, index === spec.steps.length - 1);
    if (checks.length > 0) await pending.write();
    const verdict =
      outcome === 'applied'
        ? await verify(checks, { deps, service, deploymentId: deployId, secrets: vars.secrets }, common)
        : null;
    if (verdict?.kind === 'interrupted') return mustRead(deps.state, deployId);
    if (outcome === 'failed' || verdict?.kind === 'failed') {
      return executeUnwind(deps, {
        deployment: await mustRead(deps.state, deployId),
        reason: outcome === 'failed' ? 'failure' : 'verification-failed',
        author: req.author,
        verifiedBy: req.verifiedBy,
        commit: req.commit,
        secrets: vars.secrets,
      });
    }
  }
  await pending.write(newEntry('deploy-succeeded', service, deps.now(), common));
  return mustRead(deps.state, deployId);
}

/**
 * Renders, records and runs one step: step-started (with what waits from the step before), the
 * agent, then step-failed (written now) or step-applied (written with what comes next).
 */
export async function runStep(run: DeployRun, index: number): Promise<StepOutcome> {
  const { deps, req, secrets, ctx, pending } = run;
  const { spec, vars, service, deployId } = req;
  const step = spec.steps[index]!;
  const count = spec.steps.length;
  const links = {
    ...run.common,
    step_id: stepId(deployId, index, step.name),
    step_name: step.name,
    step_index: index,
    previous_step_id: index > 0 ? stepId(deployId, index - 1, spec.steps[index - 1]!.name) : null,
    next_step_id: index + 1 < count ? stepId(deployId, index + 1, spec.steps[index + 1]!.name) : null,
  };
  const custom = spec.customAgents[step.agent];
  const identity = { service, deploymentId: deployId, commit: req.commit };
  const render = (reverse: boolean) =>
    actionsOf(renderStep(spec, index, vars, ctx, { reverse }), identity, vars.values, custom);
  const fail = async (fields: Partial<LogEntry>, error: { code: string; message: string }) => {
    await pending.write(newEntry('step-failed', service, deps.now(), { ...links, ...fields, error }));
    return 'failed' as const;
  };

  let forwardAction: ActionRecord;
  let policy: 'reverse' | 'skip';
  try {
    ({ forward: forwardAction, inDoubt: policy } = render(false));
  } catch (err) {
    // A step that cannot be rendered (e.g. a missing output) fails like any other step.
    return fail({ exit_code: null }, errorOf(err, secrets, 'E_RENDER'));
  }
  const forward = maskAction(forwardAction, secrets);
  const doubt: { reverse: ActionRecord | null; policy: InDoubt } =
    policy === 'skip' ? { reverse: null, policy } : reverseInDoubt(() => render(true).reverse, secrets);
  const runTag = newRunTag();
  await beforeRun(deps);
  await pending.write(
    newEntry('step-started', service, deps.now(), {
      ...links,
      forward_action: forward,
      reverse_action: doubt.reverse,
      in_doubt: doubt.policy,
      run_tag: runTag,
    }),
  );
  const result = await invoke(
    deps,
    toInvocation(forwardAction, 'forward'),
    {
      service,
      deploymentId: deployId,
      stepName: step.name,
      secrets,
      signal: deps.signal,
    },
    secrets,
    forwardAction.custom_image,
    runTag,
  );
  const outcome = {
    forward_action: forward,
    duration_ms: result.durationMs,
    exit_code: result.exitCode,
    outputs: maskDeep(result.outputs, secrets),
    log: maskText(result.log, secrets),
  };
  // What a failed run leaves in its record (the log has all of it): why, at a glance.
  const failed = { ...outcome, stderr_tail: stderrTail(result, secrets) };
  if (interrupted(deps, result)) {
    // Stopped on request: it may have done part of its work, so an unwind reverses it (in doubt).
    await fail(failed, { code: 'E_INTERRUPTED', message: INTERRUPTED_MESSAGE });
    return 'interrupted';
  }
  if (result.exitCode !== 0 || result.error) return fail(failed, failureOf(result, secrets));
  ctx.stepOutputs[step.name] = result.outputs;

  // Rendered again now that the forward action has run: it may use its outputs.
  let reverse: ActionRecord | null;
  try {
    reverse = maskAction(render(true).reverse, secrets);
  } catch (err) {
    const { code, message } = errorOf(err, secrets, 'E_RENDER');
    return fail(outcome, {
      code,
      message: `applied, but its reverse action could not be rendered: ${message}`,
    });
  }
  pending.defer(
    newEntry('step-applied', service, deps.now(), { ...links, ...outcome, reverse_action: reverse }),
  );
  return 'applied';
}

/**
 * The reverse action as it can be rendered before the forward runs, recorded with the intent, for
 * when the outcome becomes unknown. A reverse that needs the step's own outputs cannot be: an
 * unwind of the step in doubt then stops for a human (`blocked`) rather than skip it silently.
 */
function reverseInDoubt(
  render: () => ActionRecord | null,
  secrets: readonly Secret[],
): { reverse: ActionRecord | null; policy: InDoubt } {
  try {
    return { reverse: maskAction(render(), secrets), policy: 'reverse' };
  } catch {
    return { reverse: null, policy: 'blocked' };
  }
}
