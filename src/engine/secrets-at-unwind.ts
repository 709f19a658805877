/**
 * The sensitive values an unwind can put back into recorded actions: each sensitive variable of
 * the deployment's config that has a value now (`ORBIT_VAR_<name>`, else values.hcl). Resolved one
 * by one, so one missing secret does not hide the others.
 */
import type { ServiceSpec } from '../config/types.js';
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

function stringsIn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsIn);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(stringsIn);
  return [];
}
