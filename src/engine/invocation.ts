/**
 * Pure translation between rendered steps, invocations and the action records kept in the log.
 * A recorded action holds the whole invocation (masked), so an unwind replays exactly what was
 * recorded even if the config changed since.
 */
import type { Action, Invocation } from '../agents/types.js';
import type { RenderedStep } from '../config/types.js';
import type { ActionRecord } from '../state/types.js';
import { maskDeep, unmaskDeep, type Secret } from '../util/secrets.js';

export interface DeploymentIdentity {
  service: string;
  deploymentId: string;
  commit: string;
}

/** Variables reach agents as `ORBIT_VAR_<name>`; non-strings as JSON. */
export function variablesEnv(values: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    env[`ORBIT_VAR_${name}`] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}

/** Forward and reverse action records of a rendered step (unmasked: mask before writing). */
export function actionsOf(
  step: RenderedStep,
  id: DeploymentIdentity,
  values: Record<string, unknown>,
  custom?: { image: string; params: Record<string, unknown> },
): { forward: ActionRecord; reverse: ActionRecord | null; inDoubt: 'reverse' | 'skip' } {
  // `in_doubt` tells the engine what to do after a crash; it is no parameter of the agent.
  const { in_doubt: inDoubt, ...params } = step.params;
  const env = {
    ...variablesEnv(values),
    ORBIT_SERVICE: id.service,
    ORBIT_DEPLOYMENT: id.deploymentId,
    ORBIT_STEP: step.name,
    ORBIT_COMMIT: id.commit,
    ...step.env,
  };
  // A custom agent's defaults and image are recorded with the action, so a replay is exact.
  const base = custom
    ? {
        agent: step.agent,
        env,
        params: { ...custom.params, ...params },
        timeout_ms: step.timeoutMs,
        custom_image: custom.image,
      }
    : { agent: step.agent, env, params, timeout_ms: step.timeoutMs };
  return {
    forward: { ...base, args: step.forward },
    reverse: step.reverse ? { ...base, args: step.reverse } : null,
    inDoubt: inDoubt === 'skip' ? 'skip' : 'reverse',
  };
}

export function toInvocation(record: ActionRecord, action: Action): Invocation {
  return {
    kind: record.agent,
    action,
    args: record.args,
    env: { ...record.env, ORBIT_ACTION: action },
    timeoutMs: record.timeout_ms,
    params: record.params,
  };
}

/** `(sensitive:NAME)` markers left in a recorded action once the available secrets are put back. */
export function missingSecrets(record: ActionRecord, secrets: readonly Secret[]): string[] {
  const text = JSON.stringify(unmaskDeep(record, secrets));
  return [...new Set([...text.matchAll(/\(sensitive:([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!))];
}

export const maskAction = (record: ActionRecord | null, secrets: readonly Secret[]): ActionRecord | null =>
  record ? maskDeep(record, secrets) : null;

export const unmaskAction = (record: ActionRecord, secrets: readonly Secret[]): ActionRecord =>
  unmaskDeep(record, secrets);
