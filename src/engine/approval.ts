/**
 * Approving the `ack` step a deployment waits on in this process. An approval counts when the
 * approver is one of the step's `approvers` (a name or an OIDC group), has not approved it yet,
 * and is not who caused the deployment (its author, or the signer of its config commit) unless
 * `allow_self_approval = true`. Each approval is a `step-acked` entry (author = the approver, with
 * how they were verified); the step goes on once `approvals = N` of them are in. An unwind waiting
 * outside its window (`unwind_approval`, ./unwind-approval.ts) is approved the same way, logged
 * as `unwind-approved`; who asked for the unwind may not approve it.
 */
import { isApprover, type AckBroker, type AckWaiter } from '../agents/ack-broker.js';
import { newEntry, stepEntry } from '../state/index.js';
import type { DeploymentRecord } from '../state/types.js';
import { OrbitError } from '../util/errors.js';
import { mustRead, write, type ExecutorDeps } from './executor.js';

/** Who approves: a verified identity (the API), or a bare name (the deprecated shared token). */
export interface Approver {
  name: string;
  verifiedBy: string | null;
  groups: readonly string[];
}

/** Where an ack step stands, as plain data (the API's `waiting_ack`, `orbit status`). */
export interface ApprovalState {
  step: string;
  required: number;
  approved: Array<{ by: string; time: string; verified_by: string | null }>;
  remaining: number;
  /** Who may still approve: the listed approvers (names or groups) not yet counted; null: any approver. */
  may_approve: string[] | null;
  /** Who may not, having caused the deployment (empty with allow_self_approval). */
  excluded: string[];
}

/**
 * The people a deployment is "their own" for: its author, its config commit's signer, and whoever
 * pushed that commit (when known).
 */
export function causedBy(
  d: Pick<DeploymentRecord, 'author' | 'verified_by'>,
  pusher: string | null = null,
): string[] {
  const signer = /^ssh-signature (\S+)/.exec(d.verified_by ?? '')?.[1];
  return [...new Set([d.author, signer, pusher])].filter((x): x is string => !!x);
}

export function approvalState(
  waiter: AckWaiter,
  d: Pick<DeploymentRecord, 'author' | 'verified_by'>,
  pusher: string | null = null,
): ApprovalState {
  const done = waiter.approved.map((a) => a.by);
  const excluded = waiter.allowSelfApproval ? [] : (waiter.causedBy ?? causedBy(d, pusher));
  const still = (p: string) =>
    !done.some((by) => isApprover([p], by)) && !excluded.some((c) => isApprover([p], c));
  return {
    step: waiter.stepName,
    required: waiter.approvals,
    approved: [...waiter.approved],
    remaining: Math.max(0, waiter.approvals - waiter.approved.length),
    may_approve: waiter.approvers ? waiter.approvers.filter(still) : null,
    excluded,
  };
}

const asApprover = (a: string | Approver): Approver =>
  typeof a === 'string' ? { name: a, verifiedBy: null, groups: [] } : a;

export async function approve(
  deps: ExecutorDeps,
  acks: AckBroker | undefined,
  deployId: string,
  who: string | Approver,
  pushedBy?: (commit: string) => string | null,
): Promise<DeploymentRecord> {
  const approver = asApprover(who);
  const author = approver.name;
  const d = await mustRead(deps.state, deployId);
  const waiter = acks?.waiting(deployId);
  const step = waiter?.unwind
    ? { step_id: `the unwind of ${deployId}` }
    : waiter && d.steps.find((s) => s.step_name === waiter.stepName && s.status === 'started');
  if (!acks || !waiter || !step) {
    throw new OrbitError('E_NOTHING_TO_ACK', `${deployId} has no step waiting for approval here`, {
      deployId,
      status: d.status,
    });
  }
  const listed = waiter.approvers;
  if (listed && !isApprover(listed, author) && !approver.groups.some((g) => listed.includes(g))) {
    throw new OrbitError(
      'E_NOT_APPROVER',
      `${author} may not approve ${step.step_id}; approvers: ${listed.join(', ')}`,
      { deployId, step: step.step_id, author, approvers: listed },
    );
  }
  const pusher = d.config_commit ? (pushedBy?.(d.config_commit) ?? null) : null;
  const own = waiter.allowSelfApproval
    ? undefined
    : (waiter.causedBy ?? causedBy(d, pusher)).find((c) => isApprover([author], c));
  if (own !== undefined) {
    throw new OrbitError(
      'E_SELF_APPROVAL',
      `${author} may not approve ${step.step_id}: the deployment is their own (${own}); another approver must (or set allow_self_approval = true)`,
      { deployId, step: step.step_id, author },
    );
  }
  if (waiter.approved.some((a) => a.by === author)) {
    throw new OrbitError(
      'E_ALREADY_APPROVED',
      `${author} has already approved ${step.step_id}; ${waiter.approvals - waiter.approved.length} more approval(s) needed`,
      { deployId, step: step.step_id, author },
    );
  }
  if (!acks.claim(deployId)) {
    throw new OrbitError('E_NOTHING_TO_ACK', `${deployId} is already being approved`, { deployId });
  }
  const time = deps.now();
  const by = { author, ...(approver.verifiedBy ? { verified_by: approver.verifiedBy } : {}) };
  try {
    await write(
      deps,
      'status' in step
        ? stepEntry('step-acked', d, step, time, by)
        : newEntry('unwind-approved', d.service_id, time, { deploy_id: deployId, ...by }),
    );
  } catch (err) {
    acks.unclaim(deployId);
    throw err;
  }
  waiter.approved.push({ by: author, time: time.toISOString(), verified_by: approver.verifiedBy });
  if (waiter.approved.length >= waiter.approvals)
    acks.release(deployId, waiter.approved.map((a) => a.by).join(', '));
  else acks.unclaim(deployId);
  return mustRead(deps.state, deployId);
}
