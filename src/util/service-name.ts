/**
 * The one rule for service names (the directory in `services/<name>/deploy.hcl`). A name becomes
 * a path segment in the config and state trees, a container label and a command-line argument,
 * so it stays boring: letters, digits, `.`, `_`, `-`, starting with a letter or digit (a leading
 * `-` reads as an option), no `..`, at most 100 characters.
 */
export const MAX_SERVICE_NAME = 100;

/** What is wrong with `name` as a service name, or null. */
export function serviceNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_SERVICE_NAME)
    return `is ${name.length} characters long (at most ${MAX_SERVICE_NAME})`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'may hold only letters, digits, ".", "_" and "-"';
  if (!/^[A-Za-z0-9]/.test(name)) return 'must start with a letter or a digit';
  if (name.includes('..')) return 'must not contain ".."';
  return null;
}

export function isSafeServiceName(name: string): boolean {
  return serviceNameProblem(name) === null;
}
