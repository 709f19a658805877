import type { AckBroker } from './ack-broker.js';
import { resultSince } from './result.js';
import type { Agent, AgentContext, AgentResult, Invocation } from './types.js';

/**
 * `ack`: waits until a human approves the step (through the daemon) or its timeout passes, then
 * succeeds or fails (and the deployment unwinds). params: `approvers` (names or OIDC groups;
 * default anyone with the approver role), `approvals` (how many distinct approvers, default 1),
 * `allow_self_approval` (default false: who caused the deployment may not approve it). Reversing an approval has nothing to undo: it succeeds at once.
 */
export class AckAgent implements Agent {
  readonly kind = 'ack';

  constructor(private readonly broker: AckBroker) {}

  async run(inv: Invocation, ctx: AgentContext): Promise<AgentResult> {
    const started = Date.now();
    const result = resultSince(started);
    if (inv.action === 'reverse') return result(0, 'an approval has nothing to undo\n');
    const raw = inv.params.approvers;
    if (raw !== undefined && (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string'))) {
      return result(-1, '', { code: 'E_ACK_PARAMS', message: 'approvers must be a list of names' });
    }
    const count = inv.params.approvals ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 100) {
      return result(-1, '', {
        code: 'E_ACK_PARAMS',
        message: 'approvals must be a whole number from 1 to 100',
      });
    }
    const self = inv.params.allow_self_approval ?? false;
    if (typeof self !== 'boolean') {
      return result(-1, '', { code: 'E_ACK_PARAMS', message: 'allow_self_approval must be true or false' });
    }
    const approvers = raw === undefined ? null : (raw as string[]);
    const approval = await this.broker.wait(
      {
        deployId: ctx.deploymentId,
        stepName: ctx.stepName,
        approvers,
        approvals: count,
        allowSelfApproval: self,
        approved: [],
        since: new Date(started).toISOString(),
        timeoutMs: inv.timeoutMs,
      },
      ctx.signal,
    );
    if (approval) {
      const by = `approved by ${approval.by}\n`;
      return result(0, by);
    }
    if (ctx.signal?.aborted)
      return result(-1, '', { code: 'E_AGENT_ABORTED', message: 'stopped while waiting for approval' });
    return result(-1, '', {
      code: 'E_ACK_TIMEOUT',
      message: `no approval within ${Math.round(inv.timeoutMs / 1000)}s`,
    });
  }
}
