/** Repo-relative paths of the config files; diagnostics use these. */
export const ORBIT_FILE = 'orbit.hcl';
export const SERVICES_DIR = 'services';

export function deployPath(service: string): string {
  return `${SERVICES_DIR}/${service}/deploy.hcl`;
}

export function valuesPath(service: string): string {
  return `${SERVICES_DIR}/${service}/values.hcl`;
}

/** The service a repo-relative path belongs to, or null (orbit.hcl belongs to every service). */
export function serviceOfPath(path: string): string | null {
  const m = /^services\/([^/]+)\//.exec(path.replace(/\\/g, '/').replace(/^\.\//, ''));
  return m ? (m[1] ?? null) : null;
}
