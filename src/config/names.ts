/** Names that become paths, env var names or references must be plain. */
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A service name is a single safe path segment: no slashes, no `..`, no leading dot or dash. */
export function isSafeServiceName(name: string): boolean {
  return SERVICE_NAME.test(name) && !name.includes('..');
}

/** Variable and step names: identifiers, so `var.x`, `step.x` and `ORBIT_VAR_x` all work. */
export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name);
}

export const ORBIT_SCOPE_KEYS = ['deployment_id', 'service', 'commit', 'author', 'timestamp', 'sequence'];

export const VARIABLE_TYPES = ['string', 'number', 'bool', 'list', 'map', 'any'];
