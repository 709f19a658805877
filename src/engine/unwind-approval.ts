/**
 * `schedule { unwind_approval = true }`: an unwind asked for by hand (`orbit unwind`, the API) or
 * by a reverting commit while the service's window is closed waits for one approval through the
 * ack broker, like an `ack` step (anyone with the approver role; not who asked for the unwind).
 * The wait is `unwind-waiting`, the approval `unwind-approved`; no approval (the timeout, the
 * daemon stopping, no broker in this process) is `unwind-not-approved` and nothing is reversed.
 * A failure's unwind and crash recovery never come here: undo must always be possible.
 */
import type { AckBroker } from '../agents/ack-broker.js';
import type { ScheduleSpec } from '../config/types.js';
import { newEntry } from '../state/index.js';
import type { DeploymentRecord } from '../state/types.js';
import { write, type ExecutorDeps } from './agent-call.js';
import { windowState } from './schedule/window.js';

/** How long an unwind waits for its approval (an ack step's own timeout has no counterpart here). */
export const UNWIND_APPROVAL_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** The waiter's step name: what `orbit status` and the API's `waiting_ack` show. */
export const UNWIND_WAIT = 'unwind';

export interface UnwindAsk {
  schedule: ScheduleSpec | null | undefined;
  reason: string;
  author: string;
  verifiedBy?: string | null;
  commit: string | null;
}

/** True: unwind now (inside the window, no approval asked for, or approved). */
export async function unwindApproved(
  deps: ExecutorDeps,
  acks: AckBroker | undefined,
  d: DeploymentRecord,
  ask: UnwindAsk,
): Promise<boolean> {
  if (!ask.schedule?.unwindApproval) return true;
  const window = windowState(ask.schedule, deps.now());
  if (window.open) return true;
  const common = {
    deploy_id: d.deploy_id,
    config_commit: ask.commit ?? d.config_commit,
    author: ask.author,
    ...(ask.verifiedBy ? { verified_by: ask.verifiedBy } : {}),
  };
  const since = deps.now();
  await write(
    deps,
    newEntry('unwind-waiting', d.service_id, since, {
      ...common,
      reason: `${ask.reason} outside the window (${window.reason})`,
    }),
  );
  const approved = acks
    ? await acks.wait(
        {
          deployId: d.deploy_id,
          stepName: UNWIND_WAIT,
          unwind: true,
          causedBy: [ask.author],
          approvers: null,
          approvals: 1,
          allowSelfApproval: false,
          approved: [],
          since: since.toISOString(),
          timeoutMs: UNWIND_APPROVAL_TIMEOUT_MS,
        },
        deps.signal,
      )
    : null;
  if (approved) return true;
  const why = !acks
    ? 'no approver can reach this process (the window needs an approval: unwind through the daemon, where `orbit ack` reaches it)'
    : deps.signal?.aborted
      ? 'stopped'
      : 'timed out';
  await write(deps, newEntry('unwind-not-approved', d.service_id, deps.now(), { ...common, reason: why }));
  return false;
}
