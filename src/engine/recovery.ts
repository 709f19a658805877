/**
 * Crash recovery of one deployment the log shows in flight. First whatever the crash left running
 * (the processes of the step or reverse that was running, found by their run tag) is stopped and
 * waited for, so nothing finishes after its reverse. A step that was running is in doubt: it is
 * recorded as failed (`E_INTERRUPTED`), and the unwind reverses it with the applied steps (at least
 * once), unless it opted out. An interrupted unwind goes on where it stopped, running the reverse
 * that may have been running again.
 */
import { stopTagged } from '../agents/run-tag.js';
import { stepEntry } from '../state/index.js';
import type { DeploymentRecord } from '../state/types.js';
import type { Secret } from '../util/secrets.js';
import { INTERRUPTED_MESSAGE } from './agent-call.js';
import { executeUnwind, mustRead, write, type ExecutorDeps } from './executor.js';

const AUTHOR = 'orbit (crash recovery)';

/** Stops the processes of every run the log shows started and not finished; waits until they are gone. */
export async function stopLeftovers(d: DeploymentRecord): Promise<void> {
  const tags = d.steps
    .filter((s) => s.status === 'started' || s.status === 'reversing')
    .map((s) => s.run_tag)
    .filter((t): t is string => typeof t === 'string' && t.length > 0);
  await Promise.all(tags.map((t) => stopTagged(t)));
}

export async function recoverDeployment(
  deps: ExecutorDeps,
  d: DeploymentRecord,
  secrets: Secret[],
): Promise<DeploymentRecord> {
  await stopLeftovers(d);
  if (d.status === 'unwinding') {
    return executeUnwind(deps, {
      deployment: d,
      reason: d.unwind?.reason ?? 'crash-recovery',
      author: AUTHOR,
      commit: null,
      secrets,
      announce: false,
    });
  }
  for (const step of d.steps.filter((s) => s.status === 'started')) {
    await write(
      deps,
      stepEntry('step-failed', d, step, deps.now(), {
        author: AUTHOR,
        forward_action: step.forward_action,
        reverse_action: step.reverse_action,
        error: { code: 'E_INTERRUPTED', message: INTERRUPTED_MESSAGE },
      }),
    );
  }
  return executeUnwind(deps, {
    deployment: await mustRead(deps.state, d.deploy_id),
    reason: 'crash-recovery',
    author: AUTHOR,
    commit: null,
    secrets,
  });
}
