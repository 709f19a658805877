/**
 * `check "name" { type = "http" | "exec" | "prometheus", after = "step", interval, timeout, bake,
 * failures, ... }` blocks of a deploy.hcl: what must keep passing after a step before the
 * deployment counts as good. What a probe reaches (url, command, query, env, workdir) may use
 * var.* and orbit.*, never a sensitive value (it is logged and recorded); those are kept as
 * expressions and rendered with the deployment's variables (renderChecks in render.ts). The rest
 * are constants. The engine runs them (src/engine/checks/).
 */
import { suggestion } from '../util/did-you-mean.js';
import type { ErrorCode } from '../util/error-codes.js';
import type { Diagnostic, SourceLocation } from '../util/errors.js';
import { evaluateConstant } from './constant.js';
import type { Expr } from './expressions/ast.js';
import { checkExpression, type ReferenceRule } from './expressions/check.js';
import { durationProblem, parseDuration } from './duration.js';
import type { ParsedBlock } from './hcl/parse.js';
import { isIdentifier } from './names.js';
import { promqlProblem } from './promql-syntax.js';
import type { CheckCondition, CheckSpec, ProbeSpec } from './types.js';

export const CHECK_TYPES = ['http', 'exec', 'prometheus'] as const;

const COMMON = ['type', 'after', 'interval', 'timeout', 'bake', 'failures'];
const BY_TYPE: Record<string, string[]> = {
  http: ['url', 'expect_status', 'body_match'],
  exec: ['command', 'env', 'workdir'],
  prometheus: ['url', 'query', 'condition'],
};

/** The attributes that may reference the deployment: var.* and orbit.*. */
const TEMPLATED = ['url', 'command', 'query', 'body_match', 'env', 'workdir'];

/** How a check's references are checked: the steps' rule, and the variables that are sensitive. */
export interface CheckRefs {
  rule: ReferenceRule;
  sensitive: ReadonlySet<string>;
}

export const CHECK_DEFAULTS = { intervalMs: 10_000, timeoutMs: 5_000, bakeMs: 60_000, failures: 3 };

/** `< 0.01`, `>= 1`, `== 0`: a comparison with a number. */
export function parseCondition(text: string): CheckCondition | null {
  const m = /^\s*(<=|>=|==|!=|<|>)\s*(-?\d+(\.\d+)?([eE][-+]?\d+)?)\s*$/.exec(text);
  return m ? { op: m[1] as CheckCondition['op'], value: Number(m[2]) } : null;
}

export function readChecks(
  blocks: ParsedBlock[],
  stepNames: readonly string[],
  out: Diagnostic[],
  refs: CheckRefs,
): CheckSpec[] {
  const checks: CheckSpec[] = [];
  const seen = new Set<string>();
  for (const b of blocks) {
    const check = readCheck(b, stepNames, out, refs);
    if (!check) continue;
    if (seen.has(check.name)) {
      out.push({
        ...b.location,
        code: 'E_DUPLICATE_CHECK',
        message: `check "${check.name}" is defined more than once`,
      });
      continue;
    }
    seen.add(check.name);
    checks.push(check);
  }
  return checks;
}

/** Whether an expression references anything (a scope such as var.* or orbit.*). */
function hasReference(expr: Expr): boolean {
  const found: Diagnostic[] = [];
  checkExpression(expr, () => ({ code: 'E_NOT_CONSTANT', message: '' }), found);
  return found.some((d) => d.code === 'E_NOT_CONSTANT');
}

/** var.* and orbit.* as in steps; a sensitive variable never (the probe is logged and recorded). */
function checkRule(name: string, refs: CheckRefs): ReferenceRule {
  return (root, path, loc) => {
    if (root !== 'var' && root !== 'orbit')
      return {
        code: 'E_NOT_CONSTANT',
        message: `check "${name}" may reference only var.* and orbit.*, not "${root}"`,
      };
    const first = path[0];
    const varName = first?.kind === 'attr' ? first.name : undefined;
    if (root === 'var' && varName !== undefined && refs.sensitive.has(varName))
      return {
        code: 'E_SENSITIVE_IN_CHECK',
        message: `check "${name}" cannot use sensitive variable "${varName}": a check's command, url and query are logged and recorded`,
      };
    return refs.rule(root, path, loc);
  };
}

function readCheck(
  b: ParsedBlock,
  stepNames: readonly string[],
  out: Diagnostic[],
  refs: CheckRefs,
): CheckSpec | null {
  const before = out.length;
  const name = b.labels[0];
  if (b.labels.length !== 1 || !name || !isIdentifier(name)) {
    out.push({
      ...b.location,
      code: 'E_BLOCK_LABEL',
      message: 'a check block takes one label, its name: check "healthy" { ... } (letters, digits, _ and -)',
    });
    return null;
  }
  for (const nb of b.blocks)
    out.push({ ...nb.location, code: 'E_UNKNOWN_BLOCK', message: `unexpected block "${nb.type}" in check` });
  const values = new Map<string, { value: unknown; location: SourceLocation }>();
  const probeExprs: Record<string, Expr> = {};
  let templated = false;
  for (const a of b.attributes) {
    if (TEMPLATED.includes(a.name)) probeExprs[a.name] = a.expr;
    if (TEMPLATED.includes(a.name) && hasReference(a.expr)) {
      checkExpression(a.expr, checkRule(name, refs), out);
      templated = true;
      continue;
    }
    const v = evaluateConstant(a.expr, `check "${name}" ${a.name}`, out);
    if (v !== undefined) values.set(a.name, { value: v, location: a.location });
  }
  const bad = (attr: string, message: string, code: ErrorCode = 'E_BAD_CHECK'): void => {
    out.push({ ...(values.get(attr)?.location ?? b.location), code, message: `check "${name}": ${message}` });
  };
  const type = values.get('type')?.value;
  if (typeof type !== 'string' || !(CHECK_TYPES as readonly string[]).includes(type)) {
    bad('type', `type must be one of ${CHECK_TYPES.map((t) => `"${t}"`).join(', ')}`);
    return null;
  }
  const known = [...COMMON, ...BY_TYPE[type]!];
  for (const a of b.attributes) {
    if (!known.includes(a.name))
      out.push({
        ...a.location,
        code: 'E_UNKNOWN_ATTRIBUTE',
        message: `check "${name}" of type ${type} takes no "${a.name}"${suggestion(a.name, known)}`,
      });
  }
  const str = stringAttr((attr) => values.get(attr)?.value, type, bad);
  const duration = (attr: string, fallback: number): number => {
    const v = values.get(attr)?.value;
    if (v === undefined || v === null) return fallback;
    const problem = durationProblem(v);
    if (problem) bad(attr, `${attr} ${problem}`, 'E_BAD_DURATION');
    return parseDuration(v as string) ?? fallback;
  };

  const after = str('after', false);
  if (after !== null && !stepNames.includes(after))
    bad(
      'after',
      `after = "${after}": there is no step "${after}"${suggestion(after, stepNames)}`,
      'E_CHECK_UNKNOWN_STEP',
    );
  const failuresRaw = values.get('failures')?.value ?? CHECK_DEFAULTS.failures;
  if (typeof failuresRaw !== 'number' || !Number.isInteger(failuresRaw) || failuresRaw < 1)
    bad('failures', 'failures must be a whole number >= 1');

  // A templated probe is checked when it is rendered, with the deployment's variables.
  const probe = templated
    ? { kind: 'exec' as const, command: [] }
    : readProbe(type, str, (attr) => values.get(attr)?.value, bad);
  const check: CheckSpec = {
    name,
    probe: probe ?? { kind: 'exec', command: [] },
    ...(templated ? { template: { type, exprs: probeExprs } } : {}),
    after,
    intervalMs: duration('interval', CHECK_DEFAULTS.intervalMs),
    timeoutMs: duration('timeout', CHECK_DEFAULTS.timeoutMs),
    bakeMs: values.has('bake') ? duration('bake', CHECK_DEFAULTS.bakeMs) : CHECK_DEFAULTS.bakeMs,
    failures: typeof failuresRaw === 'number' ? failuresRaw : CHECK_DEFAULTS.failures,
    location: b.location,
  };
  return out.length > before || !probe ? null : check;
}

type Bad = (attr: string, message: string, code?: ErrorCode) => void;

/** Reads a string attribute: null when absent (reported when required) or not a string. */
export function stringAttr(
  value: (attr: string) => unknown,
  type: string,
  bad: Bad,
): (attr: string, required: boolean) => string | null {
  return (attr, required) => {
    const v = value(attr);
    if (v === undefined || v === null) {
      if (required) bad(attr, `${attr} is required for a ${type} check`);
      return null;
    }
    if (typeof v !== 'string') bad(attr, `${attr} must be a string`);
    return typeof v === 'string' ? v : null;
  };
}

/** The probe of a check of `type` from its attribute values; null after diagnostics. */
export function readProbe(
  type: string,
  str: (attr: string, required: boolean) => string | null,
  value: (attr: string) => unknown,
  bad: Bad,
): ProbeSpec | null {
  if (type === 'exec') {
    const command = value('command');
    if (!Array.isArray(command) || command.length === 0 || command.some((x) => typeof x !== 'string')) {
      bad('command', 'command must be a non-empty list of strings (no shell in between)');
      return null;
    }
    // Numbers and booleans read as their text, as in a step's env.
    const env = value('env') ?? {};
    const badEnv =
      typeof env !== 'object' ||
      Array.isArray(env) ||
      Object.entries(env).some(
        ([k, x]) =>
          !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || !['string', 'number', 'boolean'].includes(typeof x),
      );
    if (badEnv) bad('env', 'env must be a map of environment variable names to strings');
    const workdir = str('workdir', false);
    if (badEnv) return null;
    return {
      kind: 'exec',
      command: command as string[],
      ...(Object.keys(env as object).length
        ? { env: Object.fromEntries(Object.entries(env as object).map(([k, x]) => [k, String(x)])) }
        : {}),
      ...(workdir !== null ? { workdir } : {}),
    };
  }
  const url = str('url', true);
  if (url !== null && !/^https?:\/\/[^\s]+$/.test(url))
    bad('url', `url ${JSON.stringify(url)} is not an http(s) URL`);
  if (type === 'http') {
    const status = value('expect_status') ?? 200;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
      bad('expect_status', 'expect_status must be an HTTP status (100-599)');
    const bodyMatch = str('body_match', false);
    if (bodyMatch !== null) {
      try {
        new RegExp(bodyMatch);
      } catch (err) {
        bad('body_match', `body_match is not a regular expression: ${(err as Error).message}`);
      }
    }
    return url === null ? null : { kind: 'http', url, expectStatus: status as number, bodyMatch };
  }
  const query = str('query', true);
  const problem = query === null ? null : promqlProblem(query);
  if (problem) bad('query', `query: ${problem}`, 'E_BAD_PROMQL');
  const conditionText = str('condition', true);
  const condition = conditionText === null ? null : parseCondition(conditionText);
  if (conditionText !== null && !condition)
    bad('condition', `condition ${JSON.stringify(conditionText)} must be a comparison such as "< 0.01"`);
  return url === null || query === null || !condition ? null : { kind: 'prometheus', url, query, condition };
}
