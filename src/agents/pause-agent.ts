import { setTimeout as sleep } from 'node:timers/promises';
import type { AckBroker } from './ack-broker.js';
import { resultSince } from './result.js';
import { parseDuration } from '../util/duration.js';
import type { Agent, AgentContext, AgentResult, Invocation } from './types.js';

/**
 * `pause`: a wait between waves. `duration`: succeeds once it has passed; `until = "ack"`: waits
 * on the same broker as `ack` steps (so `orbit ack` approves it) until an approval or the step's
 * timeout. Stopped early (Orbit shuts down hard), it fails like any interrupted step.
 */
export class PauseAgent implements Agent {
  readonly kind = 'pause';

  constructor(private readonly broker: AckBroker) {}

  async run(inv: Invocation, ctx: AgentContext): Promise<AgentResult> {
    const started = Date.now();
    const result = resultSince(started);
    if (inv.action === 'reverse') return result(0, 'a pause has nothing to undo\n');
    const aborted = () => result(-1, '', { code: 'E_AGENT_ABORTED', message: 'stopped while paused' });
    const { duration, until, approvers } = inv.params;
    if (until === 'ack' && duration === undefined) {
      const approval = await this.broker.wait(
        {
          deployId: ctx.deploymentId,
          stepName: ctx.stepName,
          approvers: Array.isArray(approvers) ? (approvers as string[]) : null,
          // As an ack step's: one approval, not by who caused the deployment.
          approvals: 1,
          allowSelfApproval: false,
          approved: [],
          since: new Date(started).toISOString(),
          timeoutMs: inv.timeoutMs,
        },
        ctx.signal,
      );
      if (approval) return result(0, `paused until approved by ${approval.by}\n`);
      if (ctx.signal?.aborted) return aborted();
      return result(-1, '', {
        code: 'E_ACK_TIMEOUT',
        message: `no approval within ${Math.round(inv.timeoutMs / 1000)}s`,
      });
    }
    const ms = duration === undefined ? null : parseDuration(duration as string | number);
    if (ms === null || until !== undefined)
      return result(-1, '', {
        code: 'E_PAUSE_PARAMS',
        message: 'a pause takes either duration or until = "ack"',
      });
    if (ms > inv.timeoutMs)
      return result(-1, '', {
        code: 'E_AGENT_TIMEOUT',
        message: `the pause (${ms} ms) is longer than the step's timeout (${inv.timeoutMs} ms)`,
      });
    try {
      await sleep(ms, undefined, { signal: ctx.signal });
    } catch {
      return aborted();
    }
    return result(0, `paused ${Math.round(ms / 1000)}s\n`);
  }
}
