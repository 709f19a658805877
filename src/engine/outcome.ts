/** What a job ended as: the result `reconcile`, the daemon and the API report per job. */
import type { DeploymentRecord } from '../state/types.js';

export type OutcomeStatus =
  | 'succeeded'
  | 'failed'
  | 'unwound'
  | 'unwind-failed'
  | 'unwind-blocked'
  | 'skipped'
  | 'rejected'
  | 'deferred'
  | 'noop'
  /** Outside its schedule window: recorded as waiting; starts when the window opens. */
  | 'waiting-window'
  /** Orbit was asked to stop: the deployment stays in flight; the next start recovers it. */
  | 'interrupted';

export interface JobOutcome {
  kind: 'deploy' | 'unwind' | 'redeploy' | 'revert' | 'recover' | 'retry' | 'sync';
  service: string;
  deployId: string | null;
  commit: string | null;
  status: OutcomeStatus;
  error: { code: string; message: string } | null;
}

export const outcomeOf = (
  kind: JobOutcome['kind'],
  d: DeploymentRecord,
  commit: string | null = d.config_commit,
): JobOutcome => ({
  kind,
  service: d.service_id,
  deployId: d.deploy_id,
  commit,
  status: d.status === 'running' || d.status === 'unwinding' ? 'interrupted' : (d.status as OutcomeStatus),
  error:
    d.status === 'running' || d.status === 'unwinding'
      ? {
          code: 'E_INTERRUPTED',
          message: `Orbit stopped before ${d.deploy_id} finished (${d.status}); the next \`orbit reconcile\` or daemon start resolves it`,
        }
      : d.error,
});
