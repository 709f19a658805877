/** What `orbit unwind` and `orbit redeploy` may act on. */
import { OrbitError } from '../../util/errors.js';
import type { DeploymentRecord, Hold, ServiceView } from '../types.js';

/**
 * `unwind <target>` (a service, or one of its deployment ids) acts on the service's current
 * deployment only: unwinding one that was replaced would undo actions a later one built on.
 * `named` is the record of `target` when it is a deployment id. Returns the deployment to unwind.
 */
export function unwindTarget(
  service: string,
  view: ServiceView | null,
  target: string,
  named: DeploymentRecord | null,
): string {
  const current = view?.current ?? null;
  if (target !== service && target !== current) {
    const by = named?.replaced_by ?? current;
    const status = named ? ` (it is ${named.status})` : '';
    throw new OrbitError(
      'E_NOT_CURRENT',
      `${target} is not ${service}'s current deployment${by ? `: it was replaced by ${by}` : status}; only the current deployment can be unwound`,
      { target, current, replacedBy: by },
    );
  }
  if (!current) {
    throw new OrbitError('E_NOTHING_TO_UNWIND', `${service} has no current deployment to unwind`, {
      service,
    });
  }
  return current;
}

/** `redeploy <service>` re-applies the deployment unwound last from the current one. */
export function redeployTarget(service: string, view: ServiceView | null): string {
  if (!view?.redeployable) {
    throw new OrbitError('E_NOTHING_TO_REDEPLOY', `${service} has no unwound deployment to redeploy`, {
      service,
    });
  }
  return view.redeployable;
}

/** A new deployment (a deploy or a redeploy) starts on top of the current one: its `previous`. */
export const previousForNew = (view: ServiceView | null): string | null => view?.current ?? null;

/** Why a service is on hold, in words: `unwound web-2 by bob (2026-12-01 10:00:00)`. */
export function describeHold(hold: Hold): string {
  const what =
    hold.reason === 'failure'
      ? `${hold.deploy_id ?? 'a deployment'} failed`
      : hold.reason === 'revert'
        ? `${hold.deploy_id ?? 'a deployment'} unwound by a revert`
        : `${hold.deploy_id ?? 'a deployment'} unwound`;
  return `${what} (${hold.author}, ${hold.time.replace('T', ' ').slice(0, 19)})`;
}

/** What lifts a hold, in words, for status and refusals. */
export const releaseHint = (service: string): string =>
  `Orbit will not deploy ${service} by itself until a new commit touches it, \`orbit redeploy ${service}\`, or \`orbit release ${service}\``;

/**
 * `sync` deploys the branch head by itself only for a service that is not on hold: unwound stays
 * unwound. `release` (`orbit release`, `orbit sync --release`) lifts the hold first.
 */
export function assertNotHeld(service: string, view: ServiceView | null, release: boolean): void {
  const hold = view?.hold;
  if (!hold || release) return;
  throw new OrbitError(
    'E_SERVICE_HELD',
    `${service} is on hold: ${describeHold(hold)}; ${releaseHint(service)} (or \`orbit sync ${service} --release\`)`,
    { service, hold },
  );
}
