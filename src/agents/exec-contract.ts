import type { AgentContract } from './contract.js';

/** `exec`: a local process (src/agents/exec-agent.ts). */
export const EXEC_CONTRACT: AgentContract = {
  kind: 'exec',
  forward: 'required',
  emptyArgs: false,
  closed: true,
  params: {
    workdir: { type: 'string', description: "the working directory (default: Orbit's)" },
    inherit_env: {
      type: 'bool',
      description: "pass Orbit's whole environment (default `false`: only PATH, HOME, locale and the like)",
    },
  },
};
