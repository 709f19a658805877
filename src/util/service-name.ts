/**
 * The one rule for service names (the directory in `services/<name>/deploy.hcl`). A name becomes
 * a path segment in the config and state trees, a container label and a command-line argument,
 * so it stays boring: letters, digits, `.`, `_`, `-`, starting with a letter or digit (a leading
 * `-` reads as an option), no `..`, at most 100 characters.
 *
 * A service in an environment (`environments/<env>/services/<name>/`) is named `<name>@<env>`
 * everywhere: in the state log, on the command line, in the API and the dashboard. Neither part
 * may hold `@`, so the name splits one way only, and it stays one safe path segment (a `/` would
 * nest trees in the state branch and split step ids `<deployment>/<step>`).
 */
export const MAX_SERVICE_NAME = 100;

/** Between a service's name and its environment: `api@prod`. */
export const ENVIRONMENT_SEPARATOR = '@';

/** What is wrong with `name` as a service (or environment) name, or null. */
export function serviceNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_SERVICE_NAME)
    return `is ${name.length} characters long (at most ${MAX_SERVICE_NAME})`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return 'may hold only letters, digits, ".", "_" and "-"';
  if (!/^[A-Za-z0-9]/.test(name)) return 'must start with a letter or a digit';
  if (name.includes('..')) return 'must not contain ".."';
  return null;
}

/** An environment's name follows the same rule as a service's (it is a path segment too). */
export const environmentNameProblem = serviceNameProblem;

export interface ServiceRef {
  /** The directory under `services/` (and under `environments/<env>/services/`). */
  name: string;
  /** null: a service outside any environment, as in a repository without `environments/`. */
  environment: string | null;
}

/** `api@prod` → `{ name: 'api', environment: 'prod' }`; `api` → `{ name: 'api', environment: null }`. */
export function parseServiceId(id: string): ServiceRef {
  const at = id.indexOf(ENVIRONMENT_SEPARATOR);
  return at < 0 ? { name: id, environment: null } : { name: id.slice(0, at), environment: id.slice(at + 1) };
}

export function serviceId(name: string, environment: string | null): string {
  return environment === null ? name : `${name}${ENVIRONMENT_SEPARATOR}${environment}`;
}

/** What is wrong with a service id (`api` or `api@prod`), or null. */
export function serviceIdProblem(id: string): string | null {
  const { name, environment } = parseServiceId(id);
  const problem = serviceNameProblem(name);
  if (problem) return environment === null ? problem : `(the service part) ${problem}`;
  if (environment === null) return null;
  const envProblem = environmentNameProblem(environment);
  return envProblem ? `(the environment part) ${envProblem}` : null;
}

/** A service id (`api` or `api@prod`) safe as a path segment, an argument and a label. */
export function isSafeServiceName(id: string): boolean {
  return serviceIdProblem(id) === null;
}
