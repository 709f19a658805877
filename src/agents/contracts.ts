/**
 * Every agent kind's parameter contract, in one map. Pure data: the config layer imports this file
 * (never the agents themselves) to check steps before anything runs.
 */
import { ACK_CONTRACT } from './ack-contract.js';
import type { AgentContract, ParamSpec } from './contract.js';
import { CONTAINER_PARAMS, DOCKER_CONTRACT } from './docker-contract.js';
import { EXEC_CONTRACT } from './exec-contract.js';
import { HTTP_CONTRACT } from './http-contract.js';
import { PAUSE_CONTRACT } from './pause-contract.js';

export type { AgentContract, ParamSpec, ParamType } from './contract.js';
export { STEP_ATTRIBUTES } from './step-attributes.js';

export const BUILTIN_CONTRACTS: Readonly<Record<string, AgentContract>> = {
  exec: EXEC_CONTRACT,
  docker: DOCKER_CONTRACT,
  http: HTTP_CONTRACT,
  ack: ACK_CONTRACT,
  pause: PAUSE_CONTRACT,
};

export const BUILTIN_AGENT_KINDS = Object.keys(BUILTIN_CONTRACTS);

/**
 * A custom agent's contract: the container params, plus the params its `agent` block declares with
 * `param "name" { ... }` blocks. Without declarations its params are free-form.
 */
export function customContract(kind: string, declared: Record<string, ParamSpec> | null): AgentContract {
  return {
    kind,
    forward: 'required',
    emptyArgs: true,
    closed: declared !== null,
    params: { ...CONTAINER_PARAMS, ...(declared ?? {}) },
  };
}
