/** What a job ended as: the result `reconcile`, the daemon and the API report per job. */
import type { DeploymentRecord } from '../state/types.js';

export type OutcomeStatus =
  'succeeded' | 'failed' | 'unwound' | 'unwind-failed' | 'skipped' | 'rejected' | 'deferred' | 'noop';

export interface JobOutcome {
  kind: 'deploy' | 'unwind' | 'redeploy' | 'revert' | 'recover';
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
  status: d.status === 'running' || d.status === 'unwinding' ? 'failed' : (d.status as OutcomeStatus),
  error: d.error,
});
