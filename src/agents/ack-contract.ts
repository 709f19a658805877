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
      description: 'who may approve: identity names or OIDC groups (default: anyone with the approver role)',
    },
    approvals: {
      type: 'number',
      description: 'how many distinct approvers it takes (default 1)',
      check: (v) =>
        Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100
          ? null
          : 'must be a whole number from 1 to 100',
    },
    allow_self_approval: {
      type: 'bool',
      description: "whether the deployment's author or its commit's signer may approve it (default false)",
    },
  },
};
