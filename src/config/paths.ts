/** Repo-relative paths of the config files; diagnostics use these. The layout: util/service-files.ts. */
import { parseServiceId } from '../util/service-name.js';
import { serviceFileOf } from '../util/service-files.js';

export {
  ENVIRONMENTS_DIR,
  SERVICES_DIR,
  deployPath,
  servicesOfFiles,
  valuesPath,
} from '../util/service-files.js';

export const ORBIT_FILE = 'orbit.hcl';

/**
 * The services a repo-relative path belongs to, among `services` (the repository's): a values
 * file's one service; a deploy.hcl's every service of that name, plain or in an environment.
 * null: not a service file (orbit.hcl belongs to every service).
 */
export function servicesOfPath(path: string, services: readonly string[]): string[] | null {
  const f = serviceFileOf(path);
  if (!f) return null;
  if (f.kind === 'values') return [f.service];
  const users = services.filter((id) => parseServiceId(id).name === f.name);
  // A deploy.hcl nothing uses yet is checked as its plain service: the load says what is missing.
  return users.length > 0 ? users : [f.name];
}
