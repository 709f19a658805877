/**
 * Runs one deployment or one unwind, writing the intent before each agent runs and the result
 * after, so a crash never forgets an applied step. Steps are rendered just before they run, so
 * they can use earlier steps' outputs. Nothing here decides *what* to run next: that is the
 * scheduler's job; this is the layer that does I/O.
 */
import type { Agent, AgentContext, AgentResult, Invocation } from '../agents/types.js';
import { renderStep } from '../config/render.js';
import type { RenderContext, ServiceSpec } from '../config/types.js';
import type { ResolvedVariables } from '../config/types.js';
import type { ActionRecord, DeploymentRecord, LogEntry, StateLog, StepRecord } from '../state/types.js';
import { OrbitError } from '../util/errors.js';
import { maskDeep, maskText, type Secret } from '../util/secrets.js';
import { newEntry } from '../state/index.js';
import { stepId } from './ids.js';
import { actionsOf, maskAction, toInvocation, unmaskAction } from './invocation.js';

export interface AgentLookup {
  get(kind: string): Agent;
  custom(kind: string, definition: { image: string; params: Record<string, unknown> }): Agent;
}

export interface ExecutorDeps {
  state: StateLog;
  agents: AgentLookup;
  now(): Date;
  /** Sees every entry as written (masked): live display, metrics, structured logs. */
  observe?(entry: LogEntry): void;
  signal?: AbortSignal;
}

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
  /** Called once `deploy-started` is in the log. */
  onStarted?(): void;
}

export interface UnwindRequest {
  deployment: DeploymentRecord;
  reason: string;
  author: string;
  /** The config commit that asked for it (a revert), else the deployment's own. */
  commit: string | null;
  secrets: Secret[];
  /** False when continuing an unwind that a crash interrupted: no second unwind-started. */
  announce?: boolean;
  /** Called once `unwind-started` is in the log. */
  onStarted?(): void;
}

/** Appends an entry and shows it to the observer. */
export async function write(deps: ExecutorDeps, entry: LogEntry): Promise<void> {
  await deps.state.append(entry);
  deps.observe?.(entry);
}

async function invoke(
  deps: ExecutorDeps,
  invocation: Invocation,
  ctx: AgentContext,
  secrets: readonly Secret[],
  image: string | undefined,
): Promise<AgentResult> {
  const started = Date.now();
  try {
    const agent = image
      ? deps.agents.custom(invocation.kind, { image, params: {} })
      : deps.agents.get(invocation.kind);
    return await agent.run(invocation, ctx);
  } catch (err) {
    // Agents report failures as results; anything thrown (unknown kind, a bug) fails the step the same way.
    const error = errorOf(err, secrets, 'E_AGENT_ERROR');
    return { exitCode: -1, outputs: {}, log: '', durationMs: Date.now() - started, error };
  }
}

/** An error as the log records it: its stable code (or `fallback`) and its message, masked. */
function errorOf(
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
function failureOf(r: AgentResult, secrets: readonly Secret[]): { code: string; message: string } {
  const error = r.error ?? { code: 'E_STEP_FAILED', message: `exited with status ${r.exitCode}` };
  return { code: error.code, message: maskText(error.message, secrets) };
}

export async function executeDeploy(deps: ExecutorDeps, req: DeployRequest): Promise<DeploymentRecord> {
  const { service, deployId, spec, vars } = req;
  const secrets = vars.secrets;
  const count = spec.steps.length;
  const common = {
    deploy_id: deployId,
    previous_deploy_id: req.previous?.deploy_id ?? null,
    config_commit: req.commit,
    author: req.author,
    step_count: count,
  };
  await write(
    deps,
    newEntry('deploy-started', service, deps.now(), {
      ...common,
      values: maskDeep(vars.values, secrets),
      redeploy_of: req.redeployOf,
    }),
  );
  req.onStarted?.();

  const ctx: RenderContext = {
    orbit: {
      deployment_id: deployId,
      service,
      commit: req.commit,
      author: req.author,
      timestamp: deps.now().toISOString(),
      sequence: req.sequence,
    },
    previous: req.previous ? { id: req.previous.deploy_id, var: req.previous.values ?? {} } : null,
    stepOutputs: {},
  };
  const identity = { service, deploymentId: deployId, commit: req.commit };

  for (let index = 0; index < count; index++) {
    const name = spec.steps[index]!.name;
    const sid = stepId(deployId, index, name);
    const links = {
      step_id: sid,
      step_name: name,
      step_index: index,
      previous_step_id: index > 0 ? stepId(deployId, index - 1, spec.steps[index - 1]!.name) : null,
      next_step_id: index + 1 < count ? stepId(deployId, index + 1, spec.steps[index + 1]!.name) : null,
    };
    const custom = spec.customAgents[spec.steps[index]!.agent];
    const render = (reverse: boolean) =>
      actionsOf(renderStep(spec, index, vars, ctx, { reverse }), identity, vars.values, custom);
    const failStep = async (fields: Partial<LogEntry>, error: { code: string; message: string }) => {
      await write(
        deps,
        newEntry('step-failed', service, deps.now(), { ...common, ...links, ...fields, error }),
      );
      return unwindAfterFailure(deps, req, secrets);
    };

    let forwardAction: ActionRecord;
    try {
      forwardAction = render(false).forward;
    } catch (err) {
      // A step that cannot be rendered (e.g. a missing output) fails like any other step.
      return failStep({ exit_code: null }, errorOf(err, secrets, 'E_RENDER'));
    }
    const forward = maskAction(forwardAction, secrets);
    await write(
      deps,
      newEntry('step-started', service, deps.now(), { ...common, ...links, forward_action: forward }),
    );
    const result = await invoke(
      deps,
      toInvocation(forwardAction, 'forward'),
      {
        service,
        deploymentId: deployId,
        stepName: name,
        secrets: secrets.map((s) => s.value),
        signal: deps.signal,
      },
      secrets,
      forwardAction.custom_image,
    );
    const outcome = {
      forward_action: forward,
      duration_ms: result.durationMs,
      exit_code: result.exitCode,
      outputs: maskDeep(result.outputs, secrets),
      log: maskText(result.log, secrets),
    };
    if (result.exitCode !== 0 || result.error) return failStep(outcome, failureOf(result, secrets));
    ctx.stepOutputs[name] = result.outputs;

    // The reverse action is rendered now that the forward one has run: it may use its outputs.
    let reverse: ActionRecord | null;
    try {
      reverse = maskAction(render(true).reverse, secrets);
    } catch (err) {
      const { code, message } = errorOf(err, secrets, 'E_RENDER');
      return failStep(outcome, {
        code,
        message: `applied, but its reverse action could not be rendered: ${message}`,
      });
    }
    await write(
      deps,
      newEntry('step-applied', service, deps.now(), {
        ...common,
        ...links,
        ...outcome,
        reverse_action: reverse,
      }),
    );
  }

  await write(deps, newEntry('deploy-succeeded', service, deps.now(), common));
  return mustRead(deps.state, deployId);
}

async function unwindAfterFailure(
  deps: ExecutorDeps,
  req: DeployRequest,
  secrets: Secret[],
): Promise<DeploymentRecord> {
  const deployment = await mustRead(deps.state, req.deployId);
  return executeUnwind(deps, {
    deployment,
    reason: 'failure',
    author: req.author,
    commit: req.commit,
    secrets,
  });
}

/** Runs the recorded reverse actions of a deployment's applied steps, newest first. */
export async function executeUnwind(deps: ExecutorDeps, req: UnwindRequest): Promise<DeploymentRecord> {
  const d = req.deployment;
  const service = d.service_id;
  const common = {
    deploy_id: d.deploy_id,
    previous_deploy_id: d.previous_deploy_id,
    config_commit: req.commit ?? d.config_commit,
    author: req.author,
    step_count: d.step_count,
    reason: req.reason,
  };
  const plan: StepRecord[] = await deps.state.unwindPlan(d.deploy_id);
  if (req.announce !== false) {
    await write(deps, newEntry('unwind-started', service, deps.now(), common));
  }
  req.onStarted?.();
  for (let i = 0; i < plan.length; i++) {
    const step = plan[i]!;
    const links = {
      step_id: step.step_id,
      step_name: step.step_name,
      step_index: step.step_index,
      previous_step_id: i > 0 ? plan[i - 1]!.step_id : null,
      next_step_id: i + 1 < plan.length ? plan[i + 1]!.step_id : null,
      forward_action: step.forward_action,
      reverse_action: step.reverse_action,
    };
    if (!step.reverse_action) {
      await write(
        deps,
        newEntry('step-reversed', service, deps.now(), {
          ...common,
          ...links,
          duration_ms: 0,
          exit_code: 0,
          log: 'no reverse action: nothing to undo',
        }),
      );
      continue;
    }
    const action = unmaskAction(step.reverse_action, req.secrets);
    const result = await invoke(
      deps,
      toInvocation(action, 'reverse'),
      {
        service,
        deploymentId: d.deploy_id,
        stepName: step.step_name,
        secrets: req.secrets.map((s) => s.value),
        signal: deps.signal,
      },
      req.secrets,
      action.custom_image,
    );
    const outcome = {
      ...common,
      ...links,
      duration_ms: result.durationMs,
      exit_code: result.exitCode,
      outputs: maskDeep(result.outputs, req.secrets),
      log: maskText(result.log, req.secrets),
    };
    if (result.exitCode !== 0 || result.error) {
      const error = failureOf(result, req.secrets);
      await write(deps, newEntry('step-reverse-failed', service, deps.now(), { ...outcome, error }));
      await write(deps, newEntry('unwind-failed', service, deps.now(), { ...common, error }));
      return mustRead(deps.state, d.deploy_id);
    }
    await write(deps, newEntry('step-reversed', service, deps.now(), outcome));
  }
  await write(deps, newEntry('deploy-unwound', service, deps.now(), common));
  return mustRead(deps.state, d.deploy_id);
}

export async function mustRead(state: StateLog, deployId: string): Promise<DeploymentRecord> {
  const record = await state.deployment(deployId);
  if (!record)
    throw new OrbitError('E_UNKNOWN_DEPLOYMENT', `no deployment ${deployId} in the log`, { deployId });
  return record;
}
