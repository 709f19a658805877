/**
 * The sensitive values an unwind can put back into recorded actions: each sensitive variable of
 * the deployment's config that has a value now (`ORBIT_VAR_<name>`, else values.hcl). Resolved one
 * by one, so one missing secret does not hide the others.
 */
import type { ServiceSpec } from '../config/types.js';
import type { DeploymentRecord } from '../state/types.js';
import type { Secret } from '../util/secrets.js';

export function availableSecrets(spec: ServiceSpec, env: Record<string, string | undefined>): Secret[] {
  const out: Secret[] = [];
  for (const decl of spec.variables) {
    if (!decl.sensitive) continue;
    const value = env[`ORBIT_VAR_${decl.name}`] ?? spec.values[decl.name] ?? decl.default;
    if (value === undefined || value === null) continue;
    out.push({
      name: decl.name,
      value: typeof value === 'string' ? value : JSON.stringify(value),
      raw: value,
    });
    for (const s of stringsIn(value)) if (s !== value) out.push({ name: decl.name, value: s });
  }
  return out;
}

/**
 * Whether a deployment may hold sensitive values an unwind needs or must mask, i.e. whether its
 * config must be read again (parsing HCL) to find them. A sensitive value with a value is recorded
 * as a `(sensitive:NAME)` marker, in the variables and in every action's `ORBIT_VAR_*` environment;
 * a part computed from one as a marker with its recipe. Without a marker, only a variable whose
 * value masking cannot show (null, or an empty string) could be sensitive: then the config is read
 * too, as are records from before values were kept (no `values`).
 */
export function recordsSecrets(d: DeploymentRecord): boolean {
  if (d.values === null || d.values === undefined) return true;
  if (blankIn(d.values)) return true;
  const actions = d.steps.flatMap((s) => [s.forward_action, s.reverse_action]);
  if (actions.some((a) => a?.derived?.length)) return true;
  return JSON.stringify([d.values, actions]).includes('(sensitive:');
}

/** A null or an empty string anywhere in a value. */
function blankIn(v: unknown): boolean {
  if (v === null || v === '') return true;
  if (Array.isArray(v)) return v.some(blankIn);
  if (typeof v === 'object') return Object.values(v as object).some(blankIn);
  return false;
}

function stringsIn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsIn);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(stringsIn);
  return [];
}
