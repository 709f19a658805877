/**
 * Which files make a service, and which service a file belongs to: the one mapping between the
 * config repository's layout and service ids, shared by the loader, the history and status.
 *
 *   services/<name>/deploy.hcl                       the steps (shared by every environment)
 *   services/<name>/values.hcl                       values of <name>, a service in no environment
 *   environments/<env>/services/<name>/values.hcl    values of <name>@<env>
 *
 * A name that some environment holds is deployed only per environment: `services/<name>/` is
 * then its shared definition, not a service of its own.
 */
import { ENVIRONMENT_SEPARATOR, parseServiceId, serviceId } from './service-name.js';

export const SERVICES_DIR = 'services';
export const ENVIRONMENTS_DIR = 'environments';

/** The shared steps of a service (the same file for `api` and every `api@<env>`). */
export function deployPath(id: string): string {
  return `${SERVICES_DIR}/${parseServiceId(id).name}/deploy.hcl`;
}

export function valuesPath(id: string): string {
  const { name, environment } = parseServiceId(id);
  return environment === null
    ? `${SERVICES_DIR}/${name}/values.hcl`
    : `${ENVIRONMENTS_DIR}/${environment}/${SERVICES_DIR}/${name}/values.hcl`;
}

/** The file whose presence makes the service: its deploy.hcl, or in an environment its values. */
export function serviceDefinitionPath(id: string): string {
  return parseServiceId(id).environment === null ? deployPath(id) : valuesPath(id);
}

export type ServiceFile =
  | { kind: 'values'; service: string }
  /** A deploy.hcl: every service named `name` (plain or in any environment) uses it. */
  | { kind: 'deploy'; name: string };

const PLAIN = /^services\/([^/]+)\/(deploy|values)\.hcl$/;
const IN_ENV = /^environments\/([^/]+)\/services\/([^/]+)\/values\.hcl$/;

/**
 * The service file a repo-relative path is, or null. Names are not checked here: an unsafe one is
 * listed so that loading it reports it. A directory under services/ whose name holds `@` is no
 * service's (its name would read as `<name>@<env>`).
 */
export function serviceFileOf(path: string): ServiceFile | null {
  const p = path.replace(/\\/g, '/').replace(/^\.\//, '');
  const plain = PLAIN.exec(p);
  if (plain) {
    const name = plain[1]!;
    if (name.includes(ENVIRONMENT_SEPARATOR)) return null;
    return plain[2] === 'deploy' ? { kind: 'deploy', name } : { kind: 'values', service: name };
  }
  const env = IN_ENV.exec(p);
  return env ? { kind: 'values', service: serviceId(env[2]!, env[1]!) } : null;
}

/**
 * The service ids a set of config files makes, from the files alone: `<name>@<env>` for each
 * environment values file, and `<name>` where no environment holds it.
 */
export function servicesOfFiles(files: Iterable<string>): string[] {
  const parsed: Array<ServiceFile | null> = [];
  for (const f of files) parsed.push(serviceFileOf(f));
  return servicesOfServiceFiles(parsed);
}

/** `servicesOfFiles` of files already read by `serviceFileOf` (a listing reads each path once). */
export function servicesOfServiceFiles(files: Iterable<ServiceFile | null>): string[] {
  const deploys = new Set<string>();
  const values = new Set<string>();
  for (const sf of files) {
    if (sf?.kind === 'deploy') deploys.add(sf.name);
    else if (sf) values.add(sf.service);
  }
  const inEnv = [...values].filter((id) => parseServiceId(id).environment !== null);
  const held = new Set(inEnv.map((id) => parseServiceId(id).name));
  const out = [...inEnv];
  for (const name of deploys) if (!held.has(name)) out.push(name);
  return out.sort();
}
