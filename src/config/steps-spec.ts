/** `step` blocks: names, agents, references, durations and each agent's parameter contract. */
import { suggestion } from '../util/did-you-mean.js';
import type { Diagnostic } from '../util/errors.js';
import { literalString } from './constant.js';
import { durationProblem } from './duration.js';
import { checkExpression } from './expressions/check.js';
import type { ReferenceRule } from './expressions/check.js';
import type { ParsedBlock } from './hcl/parse.js';
import { isIdentifier } from './names.js';
import { stepReference } from './scope-rule.js';
import { checkStepAttributes, contractOf } from './step-contract.js';
import type { AttributeSpec, CustomAgent, StepSpec } from './types.js';

export function readSteps(
  blocks: ParsedBlock[],
  agents: ReadonlySet<string>,
  customAgents: Record<string, CustomAgent>,
  baseRule: ReferenceRule,
  out: Diagnostic[],
): StepSpec[] {
  const steps: StepSpec[] = [];
  const names = new Map<string, number>();
  // First pass: names, so references to later steps can be told from unknown ones.
  const stepNames = blocks.map((b) => literalString(b.attributes.find((a) => a.name === 'name')?.expr));
  blocks.forEach((b, index) => {
    const name = stepNames[index] ?? null;
    for (const nb of b.blocks)
      out.push({ ...nb.location, code: 'E_UNKNOWN_BLOCK', message: `unexpected block "${nb.type}" in step` });
    checkStepName(b, name, names, out);
    const label = name ?? `#${index + 1}`;
    const agent = readAgentName(b, label, agents, out);
    if (agent !== null && agents.has(agent))
      checkStepAttributes(b, label, contractOf(agent, customAgents), out);
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
      if (a.name === 'timeout') {
        const t = a.expr.kind === 'literal' ? a.expr.value : literalString(a.expr);
        const problem = t === null || t === undefined ? null : durationProblem(t);
        if (problem) out.push({ ...a.location, code: 'E_BAD_DURATION', message: `timeout ${problem}` });
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

function checkStepName(
  b: ParsedBlock,
  name: string | null,
  seen: ReadonlyMap<string, number>,
  out: Diagnostic[],
): void {
  const nameAttr = b.attributes.find((a) => a.name === 'name');
  if (!nameAttr) {
    out.push({ ...b.location, code: 'E_STEP_MISSING_NAME', message: 'step has no name' });
  } else if (name === null) {
    out.push({ ...nameAttr.location, code: 'E_BAD_ATTRIBUTE', message: 'step name must be a plain string' });
  } else if (!isIdentifier(name)) {
    out.push({
      ...nameAttr.location,
      code: 'E_BAD_NAME',
      message: `step name "${name}" must be letters, digits, _ and -`,
    });
  } else if (seen.has(name)) {
    out.push({
      ...nameAttr.location,
      code: 'E_DUPLICATE_STEP',
      message: `step name "${name}" is used more than once`,
    });
  }
}

/** The step's agent kind, or null when it has none or not as a plain string. */
function readAgentName(
  b: ParsedBlock,
  label: string,
  agents: ReadonlySet<string>,
  out: Diagnostic[],
): string | null {
  const agentAttr = b.attributes.find((a) => a.name === 'agent');
  if (!agentAttr) {
    out.push({ ...b.location, code: 'E_STEP_MISSING_AGENT', message: `step "${label}" has no agent` });
    return null;
  }
  const agent = literalString(agentAttr.expr);
  if (agent === null) {
    out.push({ ...agentAttr.location, code: 'E_BAD_ATTRIBUTE', message: 'agent must be a plain string' });
  } else if (!agents.has(agent)) {
    out.push({
      ...agentAttr.location,
      code: 'E_UNKNOWN_AGENT',
      message: `unknown agent "${agent}"${suggestion(agent, agents)} (known: ${[...agents].sort().join(', ')})`,
    });
  }
  return agent;
}
