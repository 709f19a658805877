/**
 * A deploy.hcl is shared by every service of its name (`api`, `api@staging`, `api@prod`): which
 * services a commit that changes one touches depends on the tree at that commit. This reads, for
 * the commits that need it (a deploy.hcl changed in a tree with `environments/`), the services
 * at that commit, so planning stays pure (`planCommits`).
 */
import { listServices } from '../config/load.js';
import type { ConfigCommit } from '../git/config-history.js';
import { ENVIRONMENTS_DIR, serviceFileOf } from '../util/service-files.js';
import type { ObjectIdReader } from './commit-decision.js';

export interface ServiceLister extends ObjectIdReader {
  readonly dir: string;
}

/** Commit sha → the service ids at that commit, for commits changing a deploy.hcl shared by environments. */
export async function servicesAtSharedChanges(
  history: ServiceLister,
  commits: readonly ConfigCommit[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const changing = commits.filter((c) => c.files.some((f) => serviceFileOf(f)?.kind === 'deploy'));
  if (changing.length === 0) return out;
  // One process says which of them have environments at all: a repository without is not listed.
  const ids = await history.objectIds(changing.map((c) => `${c.sha}:${ENVIRONMENTS_DIR}`));
  for (const c of changing) {
    if (ids.get(`${c.sha}:${ENVIRONMENTS_DIR}`)) out.set(c.sha, await listServices(history.dir, c.sha));
  }
  return out;
}
