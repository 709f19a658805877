/**
 * Pure translation between rendered steps, invocations and the action records kept in the log.
 * A recorded action holds the whole invocation (masked), so an unwind replays exactly what was
 * recorded even if the config changed since.
 */
import type { Action, Invocation } from '../agents/types.js';
import { MissingSecret, replayRecipe } from '../config/expressions/replay.js';
import { showUnknowns, type Recipe } from '../config/expressions/values.js';
import type { RenderedStep } from '../config/types.js';
import type { ActionRecord, DerivedPart } from '../state/types.js';
import { OrbitError } from '../util/errors.js';
import { marker, maskDeep, unmaskDeep, type Secret } from '../util/secrets.js';

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
  const forward: ActionRecord = { ...base, args: step.forward };
  const reverse: ActionRecord | null = step.reverse ? { ...base, args: step.reverse } : null;
  // Parts computed from secrets keep their recipe: the log holds them masked, a replay recomputes them.
  for (const part of step.sensitive ?? []) {
    const [where, ...rest] = part.path;
    const derived = { names: part.names, recipe: part.recipe, string: part.string };
    const into = (r: ActionRecord | null, path: Array<string | number>) => {
      if (r) r.derived = [...(r.derived ?? []), { ...derived, path }];
    };
    if (where === 'forward') into(forward, ['args', ...rest]);
    else if (where === 'reverse') into(reverse, ['args', ...rest]);
    else if (where === 'env' || where === 'params') {
      into(forward, part.path);
      into(reverse, part.path);
    }
  }
  return { forward, reverse, inDoubt: inDoubt === 'skip' ? 'skip' : 'reverse' };
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

/**
 * Sensitive variables a recorded action needs that `secrets` does not have: `(sensitive:NAME)`
 * markers left once the available secrets are put back, and the variables of derived parts.
 */
export function missingSecrets(record: ActionRecord, secrets: readonly Secret[]): string[] {
  const { derived, ...rest } = record;
  const text = JSON.stringify(unmaskDeep(rest, secrets));
  const names = [...text.matchAll(/\(sensitive:([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]!);
  const have = new Set(secrets.filter((s) => !s.derived).map((s) => s.name));
  for (const part of derived ?? []) names.push(...part.names.filter((n) => !have.has(n)));
  return [...new Set(names)];
}

/** The record as written to the log: secrets' text masked, derived parts replaced by a marker. */
export function maskAction(record: ActionRecord | null, secrets: readonly Secret[]): ActionRecord | null {
  if (!record) return null;
  const { derived, ...rest } = record;
  let out = rest as ActionRecord;
  for (const part of derived ?? []) out = setAt(out, part.path, marker(part.names.join('+')));
  out = maskDeep(out, secrets);
  return derived?.length ? { ...out, derived: maskDeep(derived, secrets) } : out;
}

/**
 * The record to run again: secrets put back where they were masked, and each derived part
 * recomputed from its recipe with the secrets as they are now. A part whose secret has no value
 * now keeps its marker, as a plain masked secret does. The recomputed values join `secrets`, so
 * what the replay prints is masked for them too (as `renderStep` does when deploying).
 */
export function unmaskAction(record: ActionRecord, secrets: Secret[]): ActionRecord {
  const { derived, ...rest } = record;
  let out = unmaskDeep(rest as ActionRecord, secrets);
  const values: Record<string, unknown> = {};
  for (const s of secrets)
    if (!s.derived && !Object.hasOwn(values, s.name)) values[s.name] = s.raw ?? s.value;
  const computed = new Set<string>();
  for (const part of unmaskDeep(derived ?? [], secrets)) {
    const value = recompute(part, values, (x) => computed.add(x));
    // Unmasking may have put a secret where its derived value was: the marker stays instead.
    if (value === undefined) {
      out = setAt(out, part.path, marker(part.names.join('+')));
      continue;
    }
    out = setAt(out, part.path, value);
    computed.add(typeof value === 'string' ? value : JSON.stringify(value));
  }
  const name = [...new Set((derived ?? []).flatMap((p) => p.names))].join('+');
  for (const text of computed) {
    if (text.length >= 6 && !secrets.some((s) => s.value === text)) {
      secrets.push({ name, value: text, derived: true });
    }
  }
  return out;
}

function recompute(
  part: DerivedPart,
  secrets: Record<string, unknown>,
  onDerived: (s: string) => void,
): unknown {
  try {
    const v = showUnknowns(replayRecipe(part.recipe as Recipe, secrets, undefined, onDerived));
    if (!part.string) return v;
    return typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : undefined;
  } catch (err) {
    // A secret with no value now: the marker stays, as for a plain masked secret (docs/semantics.md).
    if (err instanceof MissingSecret || err instanceof OrbitError) return undefined;
    throw err;
  }
}

/** A copy of `root` with the value at `path` replaced (missing containers left alone). */
function setAt<T>(root: T, path: Array<string | number>, value: unknown): T {
  if (path.length === 0) return value as T;
  const [k, ...rest] = path;
  if (Array.isArray(root)) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= root.length) return root;
    const copy = [...root];
    copy[i] = setAt(copy[i], rest, value);
    return copy as T;
  }
  if (root !== null && typeof root === 'object' && Object.hasOwn(root, String(k))) {
    const obj = root as Record<string, unknown>;
    return { ...obj, [String(k)]: setAt(obj[String(k)], rest, value) } as T;
  }
  return root;
}
