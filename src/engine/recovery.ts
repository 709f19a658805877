/**
 * Crash recovery of one deployment the log shows in flight. A step that was running when Orbit
 * stopped is in doubt: it is recorded as failed (like any failed step, its own reverse action does
 * not run) and the applied steps are unwound. An interrupted unwind goes on where it stopped.
 */
import { stepEntry } from '../state/index.js';
import type { DeploymentRecord } from '../state/types.js';
import type { Secret } from '../util/secrets.js';
import { executeUnwind, mustRead, write, type ExecutorDeps } from './executor.js';

const AUTHOR = 'orbit (crash recovery)';

export async function recoverDeployment(
  deps: ExecutorDeps,
  d: DeploymentRecord,
  secrets: Secret[],
): Promise<DeploymentRecord> {
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
        error: {
          code: 'E_INTERRUPTED',
          message: 'Orbit stopped while this step was running; its outcome is unknown',
        },
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
