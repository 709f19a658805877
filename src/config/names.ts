/** Names that become paths, env var names or references must be plain. */
export { MAX_SERVICE_NAME, isSafeServiceName, serviceNameProblem } from '../util/service-name.js';

/** Variable and step names: identifiers, so `var.x`, `step.x` and `ORBIT_VAR_x` all work. */
export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name);
}

export const ORBIT_SCOPE_KEYS = ['deployment_id', 'service', 'commit', 'author', 'timestamp', 'sequence'];

export const VARIABLE_TYPES = ['string', 'number', 'bool', 'list', 'map', 'any'];
