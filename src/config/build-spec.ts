/**
 * Builds a `ServiceSpec` from parsed files and runs every static check. All problems are collected
 * as diagnostics so `orbit validate` reports them at once.
 */
import type { Diagnostic, SourceLocation } from '../util/errors.js';
import { evaluateConstant } from './constant.js';
import { parseDuration } from './duration.js';
import type { Expr, TraversalStep } from './expressions/ast.js';
import { checkExpression, referencedNames } from './expressions/check.js';
import type { ReferenceRule } from './expressions/check.js';
import type { ParsedAttribute, ParsedBlock, ParsedFile } from './hcl/parse.js';
import { BUILTIN_AGENTS, FORWARD_OPTIONAL, ORBIT_SCOPE_KEYS, VARIABLE_TYPES, isIdentifier } from './names.js';
import { POLICIES, readAgent } from './settings.js';
import type {
  AttributeSpec,
  CustomAgent,
  DeployPolicy,
  RepoSettings,
  ServiceSources,
  StepSpec,
  VariableDecl,
} from './types.js';
import type { ServiceSpec } from './types.js';
import { checkVariableValue } from './variable-value.js';

export interface BuildInput {
  service: string;
  deploy: ParsedFile;
  values: ParsedFile | null;
  settings: RepoSettings;
  sources: ServiceSources;
  knownAgents?: string[];
}

const VARIABLE_ATTRS = new Set(['description', 'default', 'allowed', 'type', 'sensitive']);

export function buildServiceSpec(input: BuildInput, out: Diagnostic[]): ServiceSpec {
  const { deploy } = input;
  let policy: DeployPolicy = input.settings.defaultPolicy;
  const customAgents: Record<string, CustomAgent> = { ...input.settings.customAgents };
  const variableBlocks: ParsedBlock[] = [];
  const constAttrs: ParsedAttribute[] = [];
  const stepBlocks: ParsedBlock[] = [];

  for (const a of deploy.attributes) {
    if (a.name !== 'policy') {
      out.push({
        ...a.location,
        code: 'E_UNKNOWN_ATTRIBUTE',
        message: `unexpected top-level attribute "${a.name}"`,
      });
      continue;
    }
    const v = evaluateConstant(a.expr, 'policy', out);
    if (typeof v === 'string' && (POLICIES as string[]).includes(v)) policy = v as DeployPolicy;
    else if (v !== undefined) {
      out.push({ ...a.location, code: 'E_BAD_POLICY', message: 'policy must be "queue" or "supersede"' });
    }
  }
  for (const b of deploy.blocks) {
    if (b.type === 'variable') variableBlocks.push(b);
    else if (b.type === 'const') {
      if (b.labels.length > 0)
        out.push({ ...b.location, code: 'E_BLOCK_LABEL', message: 'const blocks take no label' });
      constAttrs.push(...b.attributes);
      for (const nb of b.blocks)
        out.push({
          ...nb.location,
          code: 'E_UNKNOWN_BLOCK',
          message: `unexpected block "${nb.type}" in const`,
        });
    } else if (b.type === 'step') {
      if (b.labels.length > 0) {
        out.push({
          ...b.location,
          code: 'E_BLOCK_LABEL',
          message:
            'step blocks take no label (labelled blocks lose their order); write step { name = "..." }',
        });
      }
      stepBlocks.push(b);
    } else if (b.type === 'agent') readAgent(b, customAgents, out);
    else out.push({ ...b.location, code: 'E_UNKNOWN_BLOCK', message: `unexpected block "${b.type}"` });
  }

  const variables = readVariables(variableBlocks, out);
  const varNames = new Set(variables.map((v) => v.name));
  const { values, valueLocations } = readValues(input.values, varNames, out);
  for (const v of variables) {
    if (v.default !== undefined) checkVariableValue(v, v.default, v.location, 'default', out);
    if (Object.hasOwn(values, v.name))
      checkVariableValue(v, values[v.name], valueLocations[v.name]!, 'value', out);
  }

  const constNames = new Set<string>();
  for (const a of constAttrs) {
    if (constNames.has(a.name)) {
      out.push({
        ...a.location,
        code: 'E_DUPLICATE_CONST',
        message: `const "${a.name}" is defined more than once`,
      });
    }
    constNames.add(a.name);
  }
  const baseRule = scopeRule(varNames, constNames);
  for (const a of constAttrs) {
    checkExpression(
      a.expr,
      (root, path, loc) =>
        root === 'step'
          ? {
              code: 'E_BAD_REFERENCE',
              message: 'a const cannot use step outputs: consts are computed before any step runs',
            }
          : baseRule(root, path, loc),
      out,
    );
  }
  const consts = orderConsts(constAttrs, out);

  const allAgents = new Set([...(input.knownAgents ?? BUILTIN_AGENTS), ...Object.keys(customAgents)]);
  const steps = readSteps(stepBlocks, allAgents, baseRule, out);

  return {
    service: input.service,
    policy,
    variables,
    consts,
    steps,
    customAgents,
    values,
    valueLocations,
    settings: input.settings,
    sources: input.sources,
  };
}

function readVariables(blocks: ParsedBlock[], out: Diagnostic[]): VariableDecl[] {
  const seen = new Set<string>();
  const vars: VariableDecl[] = [];
  for (const b of blocks) {
    const name = b.labels[0];
    if (b.labels.length !== 1 || name === undefined) {
      out.push({
        ...b.location,
        code: 'E_BLOCK_LABEL',
        message: 'a variable block needs one label: variable "name" { }',
      });
      continue;
    }
    if (!isIdentifier(name) || name.includes('-')) {
      out.push({
        ...b.location,
        code: 'E_BAD_NAME',
        message: `variable name "${name}" must be letters, digits and _`,
      });
      continue;
    }
    if (seen.has(name)) {
      out.push({
        ...b.location,
        code: 'E_DUPLICATE_VARIABLE',
        message: `variable "${name}" is declared more than once`,
      });
      continue;
    }
    seen.add(name);
    const decl: VariableDecl = { name, sensitive: false, location: b.location };
    for (const nb of b.blocks)
      out.push({
        ...nb.location,
        code: 'E_UNKNOWN_BLOCK',
        message: `unexpected block "${nb.type}" in variable`,
      });
    for (const a of b.attributes) {
      if (!VARIABLE_ATTRS.has(a.name)) {
        out.push({
          ...a.location,
          code: 'E_UNKNOWN_ATTRIBUTE',
          message: `unexpected attribute "${a.name}" in variable "${name}"`,
        });
        continue;
      }
      if (a.name === 'type') {
        const t = typeKeyword(a.expr) ?? evaluateConstant(a.expr, 'type', out);
        if (typeof t === 'string' && VARIABLE_TYPES.includes(t)) decl.type = t;
        else if (t !== undefined) {
          out.push({
            ...a.location,
            code: 'E_BAD_ATTRIBUTE',
            message: `type must be one of ${VARIABLE_TYPES.join(', ')}`,
          });
        }
        continue;
      }
      const v = evaluateConstant(a.expr, `variable "${name}" ${a.name}`, out);
      if (v === undefined) continue;
      if (a.name === 'description') {
        if (typeof v === 'string') decl.description = v;
        else out.push({ ...a.location, code: 'E_BAD_ATTRIBUTE', message: 'description must be a string' });
      } else if (a.name === 'default') decl.default = v;
      else if (a.name === 'allowed') {
        if (Array.isArray(v) && v.length > 0) decl.allowed = v;
        else
          out.push({ ...a.location, code: 'E_BAD_ATTRIBUTE', message: 'allowed must be a non-empty list' });
      } else if (a.name === 'sensitive') {
        if (typeof v === 'boolean') decl.sensitive = v;
        else out.push({ ...a.location, code: 'E_BAD_ATTRIBUTE', message: 'sensitive must be true or false' });
      }
    }
    vars.push(decl);
  }
  return vars;
}

/** `type = string` (Terraform style) as well as `type = "string"`. */
function typeKeyword(expr: Expr): string | null {
  return expr.kind === 'scope' && expr.path.length === 0 && VARIABLE_TYPES.includes(expr.root)
    ? expr.root
    : null;
}

function readValues(
  file: ParsedFile | null,
  varNames: Set<string>,
  out: Diagnostic[],
): { values: Record<string, unknown>; valueLocations: Record<string, SourceLocation> } {
  const values: Record<string, unknown> = {};
  const valueLocations: Record<string, SourceLocation> = {};
  if (!file) return { values, valueLocations };
  for (const b of file.blocks) {
    out.push({
      ...b.location,
      code: 'E_UNKNOWN_BLOCK',
      message: 'values.hcl holds plain assignments only, such as version = "1.4.2"',
    });
  }
  for (const a of file.attributes) {
    if (!varNames.has(a.name)) {
      out.push({
        ...a.location,
        code: 'E_UNKNOWN_VARIABLE',
        message: `"${a.name}" is not a declared variable`,
      });
      continue;
    }
    const v = evaluateConstant(a.expr, `value of "${a.name}"`, out);
    if (v === undefined) continue;
    values[a.name] = v;
    valueLocations[a.name] = a.location;
  }
  return { values, valueLocations };
}

/** The reference rule shared by consts and steps. */
function scopeRule(varNames: Set<string>, constNames: Set<string>): ReferenceRule {
  return (root, path, _loc) => {
    const first = path[0];
    const name = first?.kind === 'attr' ? first.name : first ? String(first.key) : undefined;
    switch (root) {
      case 'var':
        if (name === undefined) return { code: 'E_BAD_REFERENCE', message: 'use var.<name>, not var alone' };
        return varNames.has(name) ? null : unknownRef(`var.${name}`, 'no such variable is declared');
      case 'const':
        if (name === undefined)
          return { code: 'E_BAD_REFERENCE', message: 'use const.<name>, not const alone' };
        return constNames.has(name) ? null : unknownRef(`const.${name}`, 'no such const is defined');
      case 'orbit':
        if (name !== undefined && ORBIT_SCOPE_KEYS.includes(name)) return null;
        return unknownRef(`orbit.${name ?? ''}`, `orbit.* has ${ORBIT_SCOPE_KEYS.join(', ')}`);
      case 'previous':
        if (name === undefined || name === 'id') return null;
        if (name === 'var') {
          const v = path[1];
          const vn = v?.kind === 'attr' ? v.name : v ? String(v.key) : undefined;
          if (vn === undefined || varNames.has(vn)) return null;
          return unknownRef(`previous.var.${vn}`, 'no such variable is declared');
        }
        return unknownRef(`previous.${name}`, 'previous has id and var.*');
      case 'step':
        return null; // checked per step, where the order is known
      default:
        return unknownRef(root, 'scopes are var, const, orbit, previous and step');
    }
  };
}

function unknownRef(ref: string, why: string): { code: string; message: string } {
  return { code: 'E_UNKNOWN_REFERENCE', message: `unknown reference "${ref}": ${why}` };
}

/** Orders consts so each comes after the consts it uses; reports cycles. */
function orderConsts(attrs: ParsedAttribute[], out: Diagnostic[]): AttributeSpec[] {
  const byName = new Map(attrs.map((a) => [a.name, a]));
  const ordered: AttributeSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (a: ParsedAttribute, chain: string[]): void => {
    const s = state.get(a.name);
    if (s === 'done') return;
    if (s === 'visiting') {
      out.push({
        ...a.location,
        code: 'E_CONST_CYCLE',
        message: `const cycle: ${[...chain, a.name].join(' -> ')}`,
      });
      return;
    }
    state.set(a.name, 'visiting');
    for (const dep of referencedNames(a.expr, 'const')) {
      const d = byName.get(dep);
      if (d) visit(d, [...chain, a.name]);
    }
    state.set(a.name, 'done');
    ordered.push({ name: a.name, expr: a.expr, location: a.location });
  };
  for (const a of attrs) visit(a, []);
  return ordered;
}

function readSteps(
  blocks: ParsedBlock[],
  agents: Set<string>,
  baseRule: ReferenceRule,
  out: Diagnostic[],
): StepSpec[] {
  const steps: StepSpec[] = [];
  const names = new Map<string, number>();
  // First pass: names, so references to later steps can be told from unknown ones.
  const stepNames = blocks.map((b) => literalString(b.attributes.find((a) => a.name === 'name')?.expr));
  blocks.forEach((b, index) => {
    const nameAttr = b.attributes.find((a) => a.name === 'name');
    const agentAttr = b.attributes.find((a) => a.name === 'agent');
    const name = stepNames[index] ?? null;
    for (const nb of b.blocks)
      out.push({ ...nb.location, code: 'E_UNKNOWN_BLOCK', message: `unexpected block "${nb.type}" in step` });
    if (!nameAttr) {
      out.push({ ...b.location, code: 'E_STEP_MISSING_NAME', message: 'step has no name' });
    } else if (name === null) {
      out.push({
        ...nameAttr.location,
        code: 'E_BAD_ATTRIBUTE',
        message: 'step name must be a plain string',
      });
    } else if (!isIdentifier(name)) {
      out.push({
        ...nameAttr.location,
        code: 'E_BAD_NAME',
        message: `step name "${name}" must be letters, digits, _ and -`,
      });
    } else if (names.has(name)) {
      out.push({
        ...nameAttr.location,
        code: 'E_DUPLICATE_STEP',
        message: `step name "${name}" is used more than once`,
      });
    }
    const label = name ?? `#${index + 1}`;
    let agent: string | null = null;
    if (!agentAttr) {
      out.push({ ...b.location, code: 'E_STEP_MISSING_AGENT', message: `step "${label}" has no agent` });
    } else {
      agent = literalString(agentAttr.expr);
      if (agent === null) {
        out.push({ ...agentAttr.location, code: 'E_BAD_ATTRIBUTE', message: 'agent must be a plain string' });
      } else if (!agents.has(agent)) {
        out.push({
          ...agentAttr.location,
          code: 'E_UNKNOWN_AGENT',
          message: `unknown agent "${agent}" (known: ${[...agents].sort().join(', ')})`,
        });
      }
    }
    if (!b.attributes.some((a) => a.name === 'forward') && !(agent !== null && FORWARD_OPTIONAL.has(agent))) {
      out.push({
        ...b.location,
        code: 'E_STEP_MISSING_FORWARD',
        message: `step "${label}" has no forward action`,
      });
    }
    // `reverse` is rendered once the forward action has run, so it may use the step's own outputs.
    const ruleFor =
      (attribute: string): ReferenceRule =>
      (root, path, loc) =>
        root === 'step'
          ? stepReference(path, index, stepNames, name, attribute === 'reverse')
          : baseRule(root, path, loc);
    const attributes: AttributeSpec[] = [];
    for (const a of b.attributes) {
      if (a.name === 'name' || a.name === 'agent') continue;
      checkExpression(a.expr, ruleFor(a.name), out);
      if (a.name === 'timeout' && a.expr.kind === 'template') {
        const t = literalString(a.expr);
        if (t !== null && parseDuration(t) === null) {
          out.push({
            ...a.location,
            code: 'E_BAD_DURATION',
            message: `timeout "${t}" is not a duration such as 90s, 5m or 1h30m`,
          });
        }
      }
      // What an unwind does after a crash left this step's outcome unknown (docs/semantics.md).
      if (a.name === 'in_doubt' && !['reverse', 'skip'].includes(literalString(a.expr) ?? '')) {
        out.push({ ...a.location, code: 'E_BAD_IN_DOUBT', message: 'in_doubt must be "reverse" or "skip"' });
      }
      attributes.push({ name: a.name, expr: a.expr, location: a.location });
    }
    if (name !== null && !names.has(name)) names.set(name, index);
    steps.push({ name: name ?? label, agent: agent ?? '', location: b.location, attributes });
  });
  return steps;
}

function stepReference(
  path: TraversalStep[],
  index: number,
  stepNames: Array<string | null>,
  self: string | null,
  selfAllowed: boolean,
): { code: string; message: string } | null {
  const first = path[0];
  const target = first?.kind === 'attr' ? first.name : first ? String(first.key) : undefined;
  if (target === undefined) return { code: 'E_BAD_REFERENCE', message: 'use step.<name>.output.<key>' };
  const at = stepNames.indexOf(target);
  if (at < 0) return unknownRef(`step.${target}`, 'no step has this name');
  if ((target === self && !selfAllowed) || (target !== self && at >= index)) {
    return {
      code: 'E_STEP_ORDER',
      message: `step.${target} is ${target === self ? 'this step' : 'a later step'}; only outputs of earlier steps can be used${target === self ? ' (its own outputs only in reverse)' : ''}`,
    };
  }
  const second = path[1];
  if (second && !(second.kind === 'attr' && second.name === 'output')) {
    return { code: 'E_BAD_REFERENCE', message: `use step.${target}.output.<key>` };
  }
  return null;
}

/** The string of an expression that is a plain string literal, else null. */
export function literalString(expr: Expr | undefined): string | null {
  if (!expr) return null;
  if (expr.kind === 'literal' && typeof expr.value === 'string') return expr.value;
  if (expr.kind === 'template' && expr.parts.every((p) => p.kind === 'literal')) {
    return expr.parts.map((p) => (p.kind === 'literal' ? String(p.value ?? '') : '')).join('');
  }
  return null;
}
