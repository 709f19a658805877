/**
 * Which notify blocks apply to an entry: those of orbit.hcl and of the service's deploy.hcl at the
 * entry's config commit. A rejected commit is not loaded again (it may be the hostile one the
 * engine's worker stopped): its parent's blocks apply, so a commit cannot silence the report of
 * its own rejection either.
 */
import { loadRepoSettings, loadService } from '../config/load.js';
import type { NotifySpec } from '../config/notify-spec.js';
import type { LogEntry } from '../state/types.js';

export function repoTargets(
  repoDir: string,
  branch: string,
): (entry: LogEntry | null) => Promise<NotifySpec[]> {
  const cache = new Map<string, Promise<NotifySpec[]>>();
  const cached = (key: string, load: () => Promise<NotifySpec[]>): Promise<NotifySpec[]> => {
    let p = cache.get(key);
    if (!p) {
      p = load().catch(() => []);
      if (cache.size > 200) cache.clear();
      cache.set(key, p);
    }
    return p;
  };
  return async (entry) => {
    const commit = entry?.config_commit;
    const ref = !commit ? branch : entry.kind === 'commit-rejected' ? `${commit}~1` : commit;
    const repo = await cached(`repo ${ref}`, async () => (await loadRepoSettings(repoDir, ref)).notify);
    const service = entry?.service_id;
    if (!service || !commit) return repo;
    const own = await cached(
      `${service} ${ref}`,
      async () => (await loadService(repoDir, service, { ref })).notify,
    );
    // A service's own block wins over a repo-wide one of the same name.
    return [...repo.filter((r) => !own.some((o) => o.name === r.name)), ...own];
  };
}
