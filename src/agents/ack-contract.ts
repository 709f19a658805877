import type { AgentContract } from './contract.js';

/** `ack`: a wait for a human approval through the daemon (src/agents/ack-agent.ts). */
export const ACK_CONTRACT: AgentContract = {
  kind: 'ack',
  forward: 'optional',
  emptyArgs: true,
  closed: true,
  params: {
    approvers: {
      type: 'list(string)',
      description: 'who may approve (default: anyone holding the API token)',
    },
  },
};
