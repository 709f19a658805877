/** Walking a service's chain of deployments back (`previous_deploy_id`) and forward (`replaced_by`). */
import type { DeploymentRecord } from '../types.js';

export type ReadDeployment = (id: string) => Promise<DeploymentRecord | null>;

/** The link back: the deployment that was current when this one started. */
export const previousOf = (d: DeploymentRecord): string | null => d.previous_deploy_id;

/** The link forward: the newest deployment that succeeded on top of this one. */
export const replacedBy = (d: DeploymentRecord): string | null => d.replaced_by;

async function* walk(
  from: string | null,
  read: ReadDeployment,
  step: (d: DeploymentRecord) => string | null,
  limit: number,
): AsyncGenerator<DeploymentRecord> {
  // A log edited by hand could link in a circle: each deployment is visited once.
  const seen = new Set<string>();
  for (let id = from; id && seen.size < limit && !seen.has(id);) {
    seen.add(id);
    const d = await read(id);
    if (!d) return;
    yield d;
    id = step(d);
  }
}

/** From a deployment back to the service's first, newest first. */
export const walkBack = (from: string | null, read: ReadDeployment, limit = Infinity) =>
  walk(from, read, previousOf, limit);

/** From a deployment forward along what replaced it. */
export const walkForward = (from: string | null, read: ReadDeployment, limit = Infinity) =>
  walk(from, read, replacedBy, limit);
