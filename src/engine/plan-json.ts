/**
 * A service's plan as `orbit plan --json` shows it and `orbit preview` embeds it: plain data,
 * every sensitive value and every part computed from one masked.
 */
import type { RenderedStep, ResolvedVariables, ServiceSpec } from '../config/types.js';
import { Unknown } from '../config/expressions/values.js';
import { marker, maskDeep } from '../util/secrets.js';
import { checkSummary, type CheckSummary } from './checks/summary.js';
import { scheduleSummary, type ScheduleSummary } from './schedule/summary.js';

/** The stable `--json` shape, documented in docs/hcl.md. */
export interface PlanJson {
  formatVersion: 1;
  service: string;
  ref: string | null;
  commit: string | null;
  policy: string;
  variables: Record<string, { value: unknown; origin: string; sensitive: boolean }>;
  steps: RenderedStep[];
  /** The deployment's checks (absent: none). */
  checks?: CheckSummary[];
  /** When it may start (absent: any time). */
  schedule?: ScheduleSummary;
}

export function planJson(
  spec: ServiceSpec,
  vars: ResolvedVariables,
  steps: RenderedStep[],
  ref: string | null,
  commit: string | null,
): PlanJson {
  const variables: PlanJson['variables'] = {};
  const sensitive = new Set(vars.sensitive ?? spec.variables.filter((v) => v.sensitive).map((v) => v.name));
  for (const decl of spec.variables) {
    if (!Object.hasOwn(vars.values, decl.name)) continue;
    const value = vars.values[decl.name];
    const isSensitive = sensitive.has(decl.name);
    variables[decl.name] = {
      value: value instanceof Unknown ? value.toString() : isSensitive ? marker(decl.name) : value,
      origin: vars.origins[decl.name] ?? 'default',
      sensitive: isSensitive,
    };
  }
  const plan: PlanJson = {
    formatVersion: 1,
    service: spec.service,
    ref,
    commit,
    policy: spec.policy,
    variables,
    steps: steps.map(maskSensitiveParts),
    ...(spec.checks?.length ? { checks: spec.checks.map(checkSummary) } : {}),
    ...(spec.schedule ? { schedule: scheduleSummary(spec.schedule, new Date()) } : {}),
  };
  return maskDeep(plan, vars.secrets);
}

/** A step as shown: every part computed from a sensitive value reads `(sensitive:NAME)`. */
function maskSensitiveParts(step: RenderedStep): RenderedStep {
  const { sensitive, ...shown } = step;
  let out = shown as RenderedStep;
  for (const part of sensitive ?? []) out = replaceAt(out, part.path, marker(part.names.join('+')));
  return out;
}

function replaceAt<T>(root: T, path: Array<string | number>, value: unknown): T {
  if (path.length === 0) return value as T;
  const [k, ...rest] = path;
  if (Array.isArray(root)) return root.map((x, i) => (i === k ? replaceAt(x, rest, value) : x)) as T;
  if (root !== null && typeof root === 'object' && Object.hasOwn(root, String(k))) {
    const obj = root as Record<string, unknown>;
    return { ...obj, [String(k)]: replaceAt(obj[String(k)], rest, value) } as T;
  }
  return root;
}
