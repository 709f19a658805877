/**
 * Approving the `ack` step a deployment waits on in this process: check the approvers, log
 * `step-acked` (author = the approver), then let the step finish.
 */
import { isApprover, type AckBroker } from '../agents/ack-broker.js';
import { stepEntry } from '../state/index.js';
import type { DeploymentRecord } from '../state/types.js';
import { OrbitError } from '../util/errors.js';
import { mustRead, write, type ExecutorDeps } from './executor.js';

export async function approve(
  deps: ExecutorDeps,
  acks: AckBroker | undefined,
  deployId: string,
  author: string,
): Promise<DeploymentRecord> {
  const d = await mustRead(deps.state, deployId);
  const waiter = acks?.waiting(deployId);
  const step = waiter && d.steps.find((s) => s.step_name === waiter.stepName && s.status === 'started');
  if (!acks || !waiter || !step) {
    throw new OrbitError('E_NOTHING_TO_ACK', `${deployId} has no step waiting for approval here`, {
      deployId,
      status: d.status,
    });
  }
  if (waiter.approvers && !isApprover(waiter.approvers, author)) {
    throw new OrbitError(
      'E_NOT_APPROVER',
      `${author} may not approve ${step.step_id}; approvers: ${waiter.approvers.join(', ')}`,
      { deployId, step: step.step_id, author, approvers: waiter.approvers },
    );
  }
  if (!acks.claim(deployId)) {
    throw new OrbitError('E_NOTHING_TO_ACK', `${deployId} is already being approved`, { deployId });
  }
  try {
    await write(deps, stepEntry('step-acked', d, step, deps.now(), { author }));
  } catch (err) {
    acks.unclaim(deployId);
    throw err;
  }
  acks.release(deployId, author);
  return mustRead(deps.state, deployId);
}
