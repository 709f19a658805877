/** What `orbit unwind` and `orbit redeploy` may act on. */
import { OrbitError } from '../../util/errors.js';
import type { DeploymentRecord, ServiceView } from '../types.js';

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
