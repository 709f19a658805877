/**
 * What the chain's events do to a service: which deployment is current, which one `redeploy`
 * re-applies, and how deployments link forward. The projection applies these; nothing else
 * decides them.
 */
import type { DeploymentRecord, DeploymentStatus, LogEntry, ServiceView } from '../types.js';

/** The deployments a success links (the one it replaces, the one it redeploys). */
export function linkedBySuccess(d: Pick<DeploymentRecord, 'previous_deploy_id' | 'redeploy_of'>): string[] {
  return [d.previous_deploy_id, d.redeploy_of].filter(
    (x): x is string => typeof x === 'string' && x.length > 0,
  );
}

/**
 * A deployment succeeded: it becomes current, and the deployment it replaced (its `previous`)
 * links forward to it. After a redeploy, `redeploy` walks on to what replaced the original
 * before the original was unwound.
 */
export function afterSuccess(
  view: ServiceView,
  deployment: DeploymentRecord,
  replaced: DeploymentRecord | undefined,
  redeployed: DeploymentRecord | undefined,
): { view: ServiceView; replaced: DeploymentRecord | null } {
  return {
    view: {
      ...view,
      current: deployment.deploy_id,
      redeployable: redeployed?.status === 'unwound' ? redeployed.replaced_by : null,
      in_flight: null,
    },
    replaced: replaced ? { ...replaced, replaced_by: deployment.deploy_id } : null,
  };
}

/**
 * How an unwind ends a deployment: after its own failure (a step, or a check while it verified)
 * it `failed`, else it was `unwound`.
 */
export const statusAfterUnwind = (reason: string): DeploymentStatus =>
  reason === 'failure' || reason === 'verification-failed' ? 'failed' : 'unwound';

/**
 * A deployment was unwound. If it was current, its `previous` becomes current and it becomes
 * what `redeploy` re-applies; a deployment that never became current (it failed) changes neither.
 */
export function afterUnwind(view: ServiceView, deployment: DeploymentRecord): ServiceView {
  if (view.current !== deployment.deploy_id) return { ...view, in_flight: null };
  return {
    ...view,
    current: deployment.previous_deploy_id,
    redeployable: deployment.deploy_id,
    in_flight: null,
  };
}

/**
 * Unwinds that put the service on hold: one a person asked for (`user`), a revert, and the
 * unwind of a failed deployment. A crash-recovery unwind does not: that deployment is retried.
 */
const HOLDING_UNWINDS: ReadonlySet<string> = new Set(['user', 'revert', 'failure']);

/** Whether an unwind that ended with this reason holds the service. */
export const holdsAfterUnwind = (reason: string): boolean => HOLDING_UNWINDS.has(reason);

/** A `service-held` entry: the service is on hold, for the deployment and reason it names. */
export function afterHeld(
  view: ServiceView,
  entry: Pick<LogEntry, 'reason' | 'deploy_id' | 'author' | 'applied_time'>,
): ServiceView {
  return {
    ...view,
    hold: {
      reason: entry.reason ?? 'user',
      deploy_id: entry.deploy_id,
      author: entry.author,
      time: entry.applied_time,
    },
  };
}

/** A `service-released` entry: Orbit may deploy the service by itself again. */
export const afterReleased = (view: ServiceView): ServiceView => ({ ...view, hold: null });

/** Each deployment started is the service's latest: what its health is judged by. */
export const afterStarted = (view: ServiceView, deployment: DeploymentRecord): ServiceView => ({
  ...view,
  latest: deployment.deploy_id,
});
