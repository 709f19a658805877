/**
 * Pure rendering: variables resolved from their sources, then consts, then each step's attributes.
 * No I/O. Errors are `ConfigError`s whose diagnostics carry a specific code and location.
 */
import { ConfigError, OrbitError } from '../util/errors.js';
import type { Diagnostic, SourceLocation } from '../util/errors.js';
import { visibleControls } from '../util/control-chars.js';
import { marker, maskText, type Secret } from '../util/secrets.js';
import { DEFAULT_TIMEOUT_MS, durationProblem, parseDuration } from './duration.js';
import type { Expr } from './expressions/ast.js';
import { EvalBudget, type EvalLimits } from './expressions/budget.js';
import { evaluate } from './expressions/evaluate.js';
import type { EvalScope } from './expressions/evaluate.js';
import { recipeSize } from './expressions/replay.js';
import {
  EvalError,
  Sensitive,
  Unknown,
  fromPlain,
  hasSensitive,
  isObject,
  mark,
  measure,
  showUnknowns,
  typeName,
  unmark,
} from './expressions/values.js';
import type { Recipe, Value } from './expressions/values.js';
import { formatNumber } from './expressions/decimal.js';
import type {
  CheckSpec,
  OrbitScope,
  RenderContext,
  RenderedStep,
  ResolvedVariables,
  SensitivePart,
  ServiceSpec,
} from './types.js';
import { checkVariableValue, coerceString } from './variable-value.js';
import { readProbe, stringAttr } from './checks-spec.js';
import type { ErrorCode } from '../util/error-codes.js';

export const ENV_PREFIX = 'ORBIT_VAR_';

export interface ResolveOptions {
  /**
   * Content that may come from a pull request (preview, plan, validate): the environment is not
   * read at all. A variable with no value in the config, and every sensitive variable, renders as
   * a placeholder `(from ORBIT_VAR_<name>)`; only --var overrides are used as given.
   */
  untrusted?: boolean;
  /** More variables to treat as sensitive: those declared sensitive on the base branch. */
  sensitive?: Iterable<string>;
  /**
   * With `untrusted`: the ORBIT_VAR_* names that are set (never their values). A variable with
   * no value in the config is then missing unless its name is set, as when deploying.
   */
  envNames?: Iterable<string>;
}

/** What a variable renders as when its value is not read. */
export const placeholder = (name: string): Unknown => new Unknown(`from ${ENV_PREFIX}${name}`);

/**
 * Precedence: overrides (--var) > env ORBIT_VAR_<name> > values.hcl > default.
 * Strings from overrides and env are converted to the variable's type.
 */
export function resolveVariables(
  spec: ServiceSpec,
  overrides: Record<string, string> = {},
  env: Record<string, string | undefined> = {},
  options: ResolveOptions = {},
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
  const extra = new Set(options.sensitive ?? []);
  const present = options.envNames ? new Set(options.envNames) : null;
  const isSensitive = (name: string, declaredSensitive: boolean) => declaredSensitive || extra.has(name);
  const out: Diagnostic[] = [];
  const values: Record<string, unknown> = {};
  const origins: ResolvedVariables['origins'] = {};
  const secrets: Secret[] = [];
  for (const d of spec.variables) {
    const decl = { ...d, sensitive: isSensitive(d.name, d.sensitive) };
    const envValue = options.untrusted ? undefined : env[ENV_PREFIX + decl.name];
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
          message: `${source}: ${decl.sensitive ? marker(decl.name) : JSON.stringify(raw)} does not convert to the type of variable "${decl.name}"`,
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
    } else if (options.untrusted && (!present || present.has(ENV_PREFIX + decl.name))) {
      value = placeholder(decl.name);
      origin = 'placeholder';
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
    if (decl.sensitive && value !== null && value !== undefined && !(value instanceof Unknown)) {
      secrets.push({
        name: decl.name,
        value: typeof value === 'string' ? value : JSON.stringify(value),
        raw: value,
      });
      // Strings inside a list or map value are secret too.
      for (const s of stringsIn(value)) if (s !== value) secrets.push({ name: decl.name, value: s });
    }
  }
  if (out.length > 0) throw new ConfigError(out);
  const sensitive = spec.variables.filter((v) => isSensitive(v.name, v.sensitive)).map((v) => v.name);
  return { values, secrets, origins, sensitive };
}

function stringsIn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringsIn);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(stringsIn);
  return [];
}

export interface PlanOptions {
  /** The evaluation budget of this render (default DEFAULT_EVAL_LIMITS). */
  limits?: Partial<EvalLimits>;
  /** Render `previous.*` as an unknown placeholder instead of the given/null previous deployment. */
  previousUnknown?: boolean;
  /** orbit.* values not known before running, shown as placeholders. */
  unknownOrbit?: Array<keyof OrbitScope>;
}

interface Mode {
  plan: boolean;
  options: PlanOptions;
}

interface Scope extends EvalScope {
  budget: EvalBudget;
}

/** Names of the variables treated as sensitive. */
const sensitiveNames = (spec: ServiceSpec, vars: ResolvedVariables): Set<string> =>
  new Set(vars.sensitive ?? spec.variables.filter((v) => v.sensitive).map((v) => v.name));

function baseScope(spec: ServiceSpec, vars: ResolvedVariables, ctx: RenderContext, mode: Mode): Scope {
  const orbit: { [k: string]: Value } = fromPlain(ctx.orbit) as { [k: string]: Value };
  for (const k of mode.options.unknownOrbit ?? []) orbit[k] = new Unknown(`orbit.${k}`);
  const previous: Value = mode.options.previousUnknown
    ? new Unknown('previous deployment')
    : ctx.previous
      ? { id: ctx.previous.id, var: fromPlain(ctx.previous.var) }
      : null;
  // A sensitive variable is marked: whatever is computed from it is sensitive too.
  const sensitive = sensitiveNames(spec, vars);
  const variables: { [k: string]: Value } = {};
  for (const [name, raw] of Object.entries(vars.values)) {
    const v = fromPlain(raw);
    variables[name] =
      sensitive.has(name) && v !== null && !(v instanceof Unknown)
        ? new Sensitive(v as Exclude<Value, Sensitive>, new Set([name]), { secret: name })
        : v;
  }
  return {
    roots: { var: variables, orbit, previous, const: {}, step: {}, dependency: dependencyRoot(ctx) },
    nullSafeRoots: new Set(['previous', 'dependency']),
    budget: new EvalBudget(mode.options.limits),
  };
}

/**
 * `dependency.<service>.*`: unknown before anything runs (plan, preview, validate); when deploying,
 * each dependency's current deployment (null when nothing is deployed). A sensitive value of a
 * dependency stays sensitive: it is marked under the name the engine gave its secret.
 */
function dependencyRoot(ctx: RenderContext): Value {
  if (!ctx.dependencies) return new Unknown('dependency deployment');
  const root: { [k: string]: Value } = {};
  for (const [service, d] of Object.entries(ctx.dependencies)) {
    if (d.id === null) {
      root[service] = null;
      continue;
    }
    const vars: { [k: string]: Value } = {};
    for (const [name, raw] of Object.entries(d.var)) {
      const v = fromPlain(raw);
      const secret = d.sensitive?.[name];
      vars[name] =
        secret && v !== null && !(v instanceof Unknown)
          ? new Sensitive(v as Exclude<Value, Sensitive>, new Set([secret]), { secret })
          : v;
    }
    root[service] = { id: d.id, var: vars, step: fromPlain(d.step) };
  }
  return root;
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
  return Object.fromEntries(Object.entries(consts).map(([k, v]) => [k, shown(v)]));
}

/** A value for display: what is sensitive, anywhere inside, shows as `(sensitive:NAME)`. */
function shown(v: Value): unknown {
  if (v instanceof Sensitive) return marker([...v.names].join('+'));
  if (!measure(v).marked) return showUnknowns(v);
  if (Array.isArray(v)) return v.map(shown);
  return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, shown(x as Value)]));
}

function computeConsts(spec: ServiceSpec, scope: Scope): { [k: string]: Value } {
  const consts: { [k: string]: Value } = {};
  scope.roots.const = consts;
  const out: Diagnostic[] = [];
  for (const c of spec.consts) {
    try {
      consts[c.name] = evaluate(c.expr, scope, scope.budget);
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
    const mode: Mode = { plan: false, options: options.limits ? { limits: options.limits } : {} };
    const derived = new Set<string>();
    const scope: Scope = { ...baseScope(spec, vars, ctx, mode), onDerived: (x) => derived.add(x) };
    computeConsts(spec, scope);
    const step = renderOne(spec, index, scope, ctx, mode, options.reverse ?? true);
    registerDerived(step, derived, vars);
    return step;
  });
}

/**
 * Values derived from a secret join the deployment's secrets, so everything that masks with
 * `vars.secrets` (entries, agent output, errors) masks them too. Short ones (a length, a flag)
 * would mask unrelated text everywhere and are left out; they are masked where they are recorded.
 */
function registerDerived(step: RenderedStep, computed: Set<string>, vars: ResolvedVariables): void {
  const add = (name: string, text: string) => {
    if (text.length < 6 || vars.secrets.some((s) => s.value === text)) return;
    vars.secrets.push({ name, value: text, derived: true });
  };
  for (const part of step.sensitive ?? []) {
    const v = valueAt(step, part.path);
    add(part.names.join('+'), typeof v === 'string' ? v : JSON.stringify(v));
  }
  // Strings computed on the way (a hash inside a command line) may be printed on their own.
  const names = [...new Set((step.sensitive ?? []).flatMap((p) => p.names))].join('+') || 'secret';
  for (const text of computed) add(names, text);
}

function valueAt(root: unknown, path: Array<string | number>): unknown {
  let v = root;
  for (const k of path) v = (v as Record<string | number, unknown> | null)?.[k];
  return v;
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
    throw new ConfigError(err.diagnostics.map((d) => ({ ...d, message: maskText(d.message, vars.secrets) })));
  }
}

export interface RenderStepOptions {
  /** The evaluation budget of this render (default DEFAULT_EVAL_LIMITS). */
  limits?: Partial<EvalLimits>;
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
  base: Scope,
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
  const scope: Scope = { ...base, roots: { ...base.roots, step: outputs } };
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
  const parts: SensitivePart[] = [];
  for (const attr of step.attributes) {
    if (attr.name === 'reverse' && !withReverse) continue;
    try {
      const v = evaluate(attr.expr, scope, scope.budget);
      // What is printed or recorded is bounded too (a value doubled 40 times is cheap to build).
      scope.budget.output(measure(v).size, attr.expr.loc);
      const s = new Settler(parts, scope.budget, attr.expr.loc);
      switch (attr.name) {
        case 'forward':
          rendered.forward = argv(spread(v), attr.expr, 'forward', s);
          break;
        case 'reverse': {
          const r = spread(v);
          rendered.reverse = r === null ? null : argv(r, attr.expr, 'reverse', s);
          break;
        }
        case 'env':
          rendered.env = envMap(spread(v), attr.expr, s);
          break;
        case 'timeout':
          // A duration is recorded as a number; one computed from a secret tells little.
          rendered.timeoutMs = timeout(unmark(v).value, attr.expr);
          break;
        default:
          rendered.params[attr.name] = s.deep(v, ['params', attr.name]);
      }
    } catch (err) {
      fail(err, attr.location, out);
    }
  }
  if (out.length > 0) throw new ConfigError(out);
  if (parts.length > 0) rendered.sensitive = parts;
  return rendered;
}

/**
 * Takes the marks off a rendered attribute, noting where each sensitive part sits (its path in
 * the rendered step) with the recipe that recomputes it.
 */
class Settler {
  constructor(
    private readonly parts: SensitivePart[],
    private readonly budget: EvalBudget,
    private readonly loc: SourceLocation,
  ) {}

  /** A plain copy for params: every marked part inside is noted. */
  deep(v: Value, path: Array<string | number>): unknown {
    if (v instanceof Sensitive) {
      this.note(v, path, false);
      return showUnknowns(unmarkAll(v));
    }
    if (!measure(v).marked) return showUnknowns(v);
    if (Array.isArray(v)) return v.map((x, i) => this.deep(x, [...path, i]));
    return Object.fromEntries(
      Object.entries(v as object).map(([k, x]) => [k, this.deep(x as Value, [...path, k])]),
    );
  }

  /** A leaf of argv or env (converted to a string) without its mark, noted at `path`. */
  leaf(v: Value, path: Array<string | number>): Value {
    if (!(v instanceof Sensitive)) return v;
    this.note(v, path, true);
    return v.value;
  }

  /** Parts that masking the secrets' text already hides and restores need no note. */
  private note(v: Sensitive, path: Array<string | number>, string: boolean): void {
    if (plainEnough(v.recipe, v)) return;
    // The recipe is recorded with the action: it counts as output.
    this.budget.output(recipeSize(v.recipe), this.loc);
    this.parts.push({ path, names: [...v.names].sort(), recipe: v.recipe, string });
  }
}

/** A marked list or map as a list or map of marked elements (argv and env are masked per element). */
function spread(v: Value): Value {
  if (!(v instanceof Sensitive)) return v;
  const { value, names, recipe } = v;
  if (Array.isArray(value))
    return value.map((x, i) => mark(x, names, () => ({ get: recipe, key: { v: i } })));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, x]) => [k, mark(x, names, () => ({ get: recipe, key: { v: k } }))]),
    );
  }
  return value === null ? null : v;
}

function unmarkAll(v: Value): Value {
  const { value } = unmark(v);
  if (Array.isArray(value)) return value.map(unmarkAll);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, unmarkAll(x)]));
  return value;
}

/**
 * Whether masking the secrets' text and putting it back restores the part: the part is a string
 * secret, or string secrets pasted between literal text. Anything computed needs its recipe.
 */
function plainEnough(r: Recipe, v: Sensitive): boolean {
  if (typeof v.value !== 'string') return false;
  const piece = (x: Recipe): boolean =>
    'secret' in x || ('v' in x && (typeof x.v === 'string' || x.v === null));
  if ('secret' in r) return true;
  return 'tpl' in r && r.tpl.every(piece);
}

function scalarString(v: Value, expr: Expr, what: string): string {
  if (typeof v === 'string') return v;
  // cty's text for a number (`1e21` is 1000000000000000000000), as in a template.
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Unknown) return v.toString();
  throw new EvalError('E_BAD_ATTRIBUTE', `${what} must be a string, got ${typeName(v)}`, expr.loc);
}

function argv(v: Value, expr: Expr, what: string, s: Settler): string[] {
  if (v instanceof Unknown) return [v.toString()];
  if (!Array.isArray(v)) {
    throw new EvalError(
      'E_BAD_ATTRIBUTE',
      `${what} must be a list of strings (the command and its arguments), got ${typeName(v)}`,
      expr.loc,
    );
  }
  const itemExpr = (i: number): Expr => (expr.kind === 'tuple' ? (expr.items[i] ?? expr) : expr);
  return v.map((x, i) => scalarString(s.leaf(x, [what, i]), itemExpr(i), `${what}[${i}]`));
}

function envMap(v: Value, expr: Expr, s: Settler): Record<string, string> {
  if (v === null) return {};
  if (!isObject(v))
    throw new EvalError('E_BAD_ATTRIBUTE', `env must be a map of strings, got ${typeName(v)}`, expr.loc);
  const env: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      throw new EvalError(
        'E_BAD_ATTRIBUTE',
        `env name "${visibleControls(k)}" is not a valid environment variable name`,
        expr.loc,
      );
    }
    env[k] = scalarString(s.leaf(x, ['env', k]), expr, `env.${k}`);
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

/**
 * The checks with their templated probes rendered: var.* and orbit.* of this deployment. A
 * sensitive value (a variable sensitive on the base branch, or anything computed from one) is
 * refused: a probe is logged and recorded. An unknown (a placeholder in plan or preview) shows as
 * its description and is not validated.
 */
export function renderChecks(
  spec: ServiceSpec,
  vars: ResolvedVariables,
  ctx: RenderContext,
  options: PlanOptions = {},
): CheckSpec[] {
  const checks = spec.checks ?? [];
  if (!checks.some((c) => c.template)) return checks;
  const scope = baseScope(spec, vars, ctx, { plan: false, options });
  const out: Diagnostic[] = [];
  const rendered = checks.map((c) => {
    if (!c.template) return c;
    const values = new Map<string, unknown>();
    // Attributes already reported, or placeholders: not validated further.
    const skip = new Set<string>();
    for (const [attr, expr] of Object.entries(c.template.exprs)) {
      let v: Value;
      try {
        v = evaluate(expr, scope, scope.budget);
      } catch (err) {
        fail(err, expr.loc, out);
        skip.add(attr);
        continue;
      }
      if (hasSensitive(v)) {
        out.push({
          ...expr.loc,
          code: 'E_SENSITIVE_IN_CHECK',
          message: `check "${c.name}" ${attr} is computed from a sensitive value: a check's probe is logged and recorded`,
        });
        skip.add(attr);
        continue;
      }
      if (measure(v).unknown) skip.add(attr);
      values.set(attr, showUnknowns(v));
    }
    const bad = (attr: string, message: string, code: ErrorCode = 'E_BAD_CHECK'): void => {
      if (skip.has(attr)) return;
      const loc = c.template!.exprs[attr]?.loc ?? c.location;
      out.push({ ...loc, code, message: `check "${c.name}": ${message}` });
    };
    const str = stringAttr((attr) => values.get(attr), c.template.type, bad);
    const probe = readProbe(c.template.type, str, (attr) => values.get(attr), bad);
    return probe ? { ...c, probe } : c;
  });
  if (out.length > 0) throw new ConfigError(out);
  return rendered;
}
