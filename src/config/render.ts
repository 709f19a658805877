/**
 * Pure rendering: variables resolved from their sources, then consts, then each step's attributes.
 * No I/O. Errors are `ConfigError`s whose diagnostics carry a specific code and location.
 */
import { ConfigError, OrbitError } from '../util/errors.js';
import type { Diagnostic, SourceLocation } from '../util/errors.js';
import { maskText, type Secret } from '../util/secrets.js';
import { DEFAULT_TIMEOUT_MS, durationProblem, parseDuration } from './duration.js';
import type { Expr } from './expressions/ast.js';
import { evaluate } from './expressions/evaluate.js';
import type { EvalScope } from './expressions/evaluate.js';
import { EvalError, Unknown, fromPlain, isObject, showUnknowns, typeName } from './expressions/values.js';
import type { Value } from './expressions/values.js';
import type { OrbitScope, RenderContext, RenderedStep, ResolvedVariables, ServiceSpec } from './types.js';
import { checkVariableValue, coerceString } from './variable-value.js';

export const ENV_PREFIX = 'ORBIT_VAR_';

/**
 * Precedence: overrides (--var) > env ORBIT_VAR_<name> > values.hcl > default.
 * Strings from overrides and env are converted to the variable's type.
 */
export function resolveVariables(
  spec: ServiceSpec,
  overrides: Record<string, string> = {},
  env: Record<string, string | undefined> = {},
): ResolvedVariables {
  const declared = new Set(spec.variables.map((v) => v.name));
  for (const name of Object.keys(overrides)) {
    if (!declared.has(name)) {
      throw new OrbitError(
        'E_BAD_FLAG',
        `--var ${name}: service "${spec.service}" declares no variable "${name}"`,
        {
          flag: '--var',
          name,
        },
      );
    }
  }
  const out: Diagnostic[] = [];
  const values: Record<string, unknown> = {};
  const origins: ResolvedVariables['origins'] = {};
  const secrets: Secret[] = [];
  for (const decl of spec.variables) {
    const envValue = env[ENV_PREFIX + decl.name];
    let value: unknown;
    let origin: ResolvedVariables['origins'][string];
    let loc: SourceLocation = decl.location;
    if (Object.hasOwn(overrides, decl.name) || envValue !== undefined) {
      const fromFlag = Object.hasOwn(overrides, decl.name);
      const raw = fromFlag ? overrides[decl.name]! : envValue!;
      const source = fromFlag ? `--var ${decl.name}` : `$${ENV_PREFIX}${decl.name}`;
      const c = coerceString(decl, raw);
      if (!c.ok) {
        out.push({
          ...decl.location,
          code: 'E_VAR_TYPE',
          message: `${source}: ${JSON.stringify(decl.sensitive ? '(sensitive)' : raw)} does not convert to the type of variable "${decl.name}"`,
        });
        continue;
      }
      value = c.value;
      origin = fromFlag ? 'override' : 'env';
      if (!checkVariableValue(decl, value, decl.location, `${source} value`, out)) continue;
    } else if (Object.hasOwn(spec.values, decl.name)) {
      value = spec.values[decl.name];
      origin = 'values';
      loc = spec.valueLocations[decl.name] ?? decl.location;
      if (!checkVariableValue(decl, value, loc, 'value', out)) continue;
    } else if (decl.default !== undefined) {
      value = decl.default;
      origin = 'default';
    } else {
      out.push({
        ...decl.location,
        code: 'E_MISSING_VALUE',
        message: `variable "${decl.name}" has no value: set it in values.hcl, with --var or ${ENV_PREFIX}${decl.name}, or give it a default`,
      });
      continue;
    }
    values[decl.name] = value;
    origins[decl.name] = origin;
    if (decl.sensitive && value !== null && value !== undefined) {
      secrets.push({ name: decl.name, value: typeof value === 'string' ? value : JSON.stringify(value) });
      // Strings inside a list or map value are secret too.
      for (const s of stringsIn(value)) if (s !== value) secrets.push({ name: decl.name, value: s });
    }
  }
  if (out.length > 0) throw new ConfigError(out);
  return { values, secrets, origins };
}

function stringsIn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsIn);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(stringsIn);
  return [];
}

export interface PlanOptions {
  /** Render `previous.*` as an unknown placeholder instead of the given/null previous deployment. */
  previousUnknown?: boolean;
  /** orbit.* values not known before running, shown as placeholders. */
  unknownOrbit?: Array<keyof OrbitScope>;
}

interface Mode {
  plan: boolean;
  options: PlanOptions;
}

function baseScope(spec: ServiceSpec, vars: ResolvedVariables, ctx: RenderContext, mode: Mode): EvalScope {
  const orbit: { [k: string]: Value } = fromPlain(ctx.orbit) as { [k: string]: Value };
  for (const k of mode.options.unknownOrbit ?? []) orbit[k] = new Unknown(`orbit.${k}`);
  const previous: Value = mode.options.previousUnknown
    ? new Unknown('previous deployment')
    : ctx.previous
      ? { id: ctx.previous.id, var: fromPlain(ctx.previous.var) }
      : null;
  return {
    roots: { var: fromPlain(vars.values), orbit, previous, const: {}, step: {} },
    nullSafeRoots: new Set(['previous']),
  };
}

function fail(err: unknown, fallback: SourceLocation, out: Diagnostic[]): void {
  if (err instanceof EvalError) out.push({ ...err.loc, code: err.code, message: err.message });
  else if (err instanceof ConfigError) out.push(...err.diagnostics);
  else if (err instanceof OrbitError) out.push({ ...fallback, code: err.code, message: err.message });
  else throw err;
}

/** Evaluates the const block (dependencies first). */
export function evaluateConsts(
  spec: ServiceSpec,
  vars: ResolvedVariables,
  ctx: RenderContext,
  options: PlanOptions = {},
): Record<string, unknown> {
  const scope = baseScope(spec, vars, ctx, { plan: false, options });
  const consts = computeConsts(spec, scope);
  return showUnknowns(consts) as Record<string, unknown>;
}

function computeConsts(spec: ServiceSpec, scope: EvalScope): { [k: string]: Value } {
  const consts: { [k: string]: Value } = {};
  scope.roots.const = consts;
  const out: Diagnostic[] = [];
  for (const c of spec.consts) {
    try {
      consts[c.name] = evaluate(c.expr, scope);
    } catch (err) {
      fail(err, c.location, out);
    }
  }
  if (out.length > 0) throw new ConfigError(out);
  return consts;
}

export function renderStep(
  spec: ServiceSpec,
  index: number,
  vars: ResolvedVariables,
  ctx: RenderContext,
  options: RenderStepOptions = {},
): RenderedStep {
  return withSecretsMasked(vars, () => {
    const scope = baseScope(spec, vars, ctx, { plan: false, options: {} });
    computeConsts(spec, scope);
    return renderOne(spec, index, scope, ctx, { plan: false, options: {} }, options.reverse ?? true);
  });
}

/**
 * An evaluation error may quote a value (`lookup: no key "..."`); diagnostics are printed and
 * logged, so sensitive values are masked in them before they leave the renderer.
 */
function withSecretsMasked<T>(vars: ResolvedVariables, render: () => T): T {
  try {
    return render();
  } catch (err) {
    if (!(err instanceof ConfigError) || vars.secrets.length === 0) throw err;
    throw new ConfigError(
      err.diagnostics.map((d) => ({ ...d, message: maskText(d.message, vars.secrets, 'plain') })),
    );
  }
}

export interface RenderStepOptions {
  /**
   * false: leave `reverse` unrendered (null). The engine renders a step's reverse action only once
   * its forward action has run, since it may use the step's own outputs.
   */
  reverse?: boolean;
}

/**
 * Every step rendered for `orbit plan`: outputs of earlier steps are not known yet and show as
 * `(output of step build: tag)`. Reports the problems of all steps together.
 */
export function renderPlan(
  spec: ServiceSpec,
  vars: ResolvedVariables,
  ctx: RenderContext,
  options: PlanOptions = {},
): RenderedStep[] {
  return withSecretsMasked(vars, () => {
    const mode: Mode = { plan: true, options };
    const scope = baseScope(spec, vars, ctx, mode);
    computeConsts(spec, scope);
    const out: Diagnostic[] = [];
    const steps: RenderedStep[] = [];
    spec.steps.forEach((_, i) => {
      try {
        steps.push(renderOne(spec, i, scope, ctx, mode));
      } catch (err) {
        fail(err, spec.steps[i]!.location, out);
      }
    });
    if (out.length > 0) throw new ConfigError(out);
    return steps;
  });
}

function renderOne(
  spec: ServiceSpec,
  index: number,
  base: EvalScope,
  ctx: RenderContext,
  mode: Mode,
  withReverse = true,
): RenderedStep {
  const step = spec.steps[index];
  if (!step) {
    throw new OrbitError('E_NO_SUCH_STEP', `service "${spec.service}" has no step #${index}`, { index });
  }
  const outputs: { [k: string]: Value } = {};
  // Earlier steps, and the step itself (static checks allow that in `reverse` only).
  for (const earlier of spec.steps.slice(0, index + 1)) {
    outputs[earlier.name] = {
      output: mode.plan
        ? new Unknown(`output of step ${earlier.name}`)
        : (fromPlain(ctx.stepOutputs[earlier.name] ?? {}) as Value),
    };
  }
  const scope: EvalScope = { ...base, roots: { ...base.roots, step: outputs } };
  const out: Diagnostic[] = [];
  const rendered: RenderedStep = {
    name: step.name,
    index,
    agent: step.agent,
    forward: [],
    reverse: null,
    env: {},
    timeoutMs: DEFAULT_TIMEOUT_MS,
    params: {},
  };
  for (const attr of step.attributes) {
    if (attr.name === 'reverse' && !withReverse) continue;
    try {
      const v = evaluate(attr.expr, scope);
      switch (attr.name) {
        case 'forward':
          rendered.forward = argv(v, attr.expr, 'forward');
          break;
        case 'reverse':
          rendered.reverse = v === null ? null : argv(v, attr.expr, 'reverse');
          break;
        case 'env':
          rendered.env = envMap(v, attr.expr);
          break;
        case 'timeout':
          rendered.timeoutMs = timeout(v, attr.expr);
          break;
        default:
          rendered.params[attr.name] = showUnknowns(v);
      }
    } catch (err) {
      fail(err, attr.location, out);
    }
  }
  if (out.length > 0) throw new ConfigError(out);
  return rendered;
}

function scalarString(v: Value, expr: Expr, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Unknown) return v.toString();
  throw new EvalError('E_BAD_ATTRIBUTE', `${what} must be a string, got ${typeName(v)}`, expr.loc);
}

function argv(v: Value, expr: Expr, what: string): string[] {
  if (v instanceof Unknown) return [v.toString()];
  if (!Array.isArray(v)) {
    throw new EvalError(
      'E_BAD_ATTRIBUTE',
      `${what} must be a list of strings (the command and its arguments), got ${typeName(v)}`,
      expr.loc,
    );
  }
  const itemExpr = (i: number): Expr => (expr.kind === 'tuple' ? (expr.items[i] ?? expr) : expr);
  return v.map((x, i) => scalarString(x, itemExpr(i), `${what}[${i}]`));
}

function envMap(v: Value, expr: Expr): Record<string, string> {
  if (v === null) return {};
  if (!isObject(v))
    throw new EvalError('E_BAD_ATTRIBUTE', `env must be a map of strings, got ${typeName(v)}`, expr.loc);
  const env: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      throw new EvalError(
        'E_BAD_ATTRIBUTE',
        `env name "${k}" is not a valid environment variable name`,
        expr.loc,
      );
    }
    env[k] = scalarString(x, expr, `env.${k}`);
  }
  return env;
}

function timeout(v: Value, expr: Expr): number {
  if (v === null) return DEFAULT_TIMEOUT_MS;
  if (v instanceof Unknown) return DEFAULT_TIMEOUT_MS;
  const problem = durationProblem(v);
  if (problem) throw new EvalError('E_BAD_DURATION', `timeout ${problem}`, expr.loc);
  return parseDuration(v as string | number)!;
}
