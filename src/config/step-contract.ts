/**
 * Checks of a step against its agent's parameter contract that need no values: every attribute
 * is known (with a did-you-mean for typos), required ones are there. Values are checked once
 * rendered (contract-check.ts).
 */
import { BUILTIN_CONTRACTS, STEP_ATTRIBUTES, customContract } from '../agents/contracts.js';
import type { AgentContract } from '../agents/contracts.js';
import { suggestion } from '../util/did-you-mean.js';
import type { Diagnostic } from '../util/errors.js';
import type { ParsedBlock } from './hcl/parse.js';
import type { CustomAgent } from './types.js';

/** The contract of a step's agent; null for a kind registered without one (checked by the agent). */
export function contractOf(agent: string, customAgents: Record<string, CustomAgent>): AgentContract | null {
  const custom = Object.hasOwn(customAgents, agent) ? customAgents[agent] : undefined;
  if (custom) {
    // A param the agent block gives a default for is never missing from a step.
    const declared = custom.declared
      ? Object.fromEntries(
          Object.entries(custom.declared).map(([k, p]) => [
            k,
            Object.hasOwn(custom.params, k) ? { ...p, required: false } : p,
          ]),
        )
      : null;
    return customContract(agent, declared);
  }
  return Object.hasOwn(BUILTIN_CONTRACTS, agent) ? BUILTIN_CONTRACTS[agent]! : null;
}

export function checkStepAttributes(
  block: ParsedBlock,
  label: string,
  contract: AgentContract | null,
  out: Diagnostic[],
): void {
  const present = new Set(block.attributes.map((a) => a.name));
  if ((contract?.forward ?? 'required') === 'required' && !present.has('forward')) {
    out.push({
      ...block.location,
      code: 'E_STEP_MISSING_FORWARD',
      message: `step "${label}" has no forward action`,
    });
  }
  if (!contract) return;
  const known = [...Object.keys(STEP_ATTRIBUTES), ...Object.keys(contract.params)];
  for (const a of block.attributes) {
    if (Object.hasOwn(STEP_ATTRIBUTES, a.name) || Object.hasOwn(contract.params, a.name)) continue;
    if (!contract.closed) continue;
    out.push({
      ...a.location,
      code: 'E_UNKNOWN_ATTRIBUTE',
      message: `${contract.kind} step "${label}" has no attribute "${a.name}"${suggestion(a.name, known)}`,
    });
  }
  for (const [name, p] of Object.entries(contract.params)) {
    if (p.required && !present.has(name)) {
      out.push({
        ...block.location,
        code: 'E_MISSING_PARAM',
        message: `${contract.kind} step "${label}" needs "${name}"${p.description ? ` (${p.description})` : ''}`,
      });
    }
  }
  const missing = contract.needs?.(present);
  if (missing)
    out.push({
      ...block.location,
      code: 'E_MISSING_PARAM',
      message: `${contract.kind} step "${label}" ${missing}`,
    });
}
