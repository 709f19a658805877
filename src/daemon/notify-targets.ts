/**
 * Which notify blocks apply to an entry: those of orbit.hcl and of the service's deploy.hcl at the
 * entry's config commit. A rejected commit is not loaded again (it may be the hostile one the
 * evaluator stopped): its parent's blocks apply, so a commit cannot silence the report of its own
 * rejection either. Both are parsed by the engine's config evaluator, not in the daemon: the HCL
 * parser's WebAssembly loaded here cost the daemon about 90 MB of resident memory once it notified
 * of its first deployment (and evaluated config without the evaluator's time and heap limits).
 */
import type { NotifySpec } from '../config/notify-spec.js';
import type { RepoSettings, ServiceSpec } from '../config/types.js';
import type { LogEntry } from '../state/types.js';
import { isOrbitError } from '../util/errors.js';

/** What the targets are read through (the engine's `repoSettings` and `serviceSpec`). */
export interface TargetsLoader {
  repoSettings(ref: string): Promise<RepoSettings>;
  serviceSpec(service: string, ref: string): Promise<ServiceSpec>;
}

/** Configs loaded at most: one entry per (service, commit) and per commit's orbit.hcl. */
const KEPT = 200;

export function evaluatorTargets(
  loader: TargetsLoader,
  branch: string,
): (entry: LogEntry | null) => Promise<NotifySpec[]> {
  const cache = new Map<string, Promise<NotifySpec[]>>();
  // A stop drops the evaluation in flight (E_SHUTTING_DOWN) and serves later ones: asked again
  // once, so an entry written while stopping still finds its targets, and no stop is cached.
  const once = async (load: () => Promise<NotifySpec[]>): Promise<NotifySpec[]> => {
    try {
      return await load();
    } catch (err) {
      if (isOrbitError(err, 'E_SHUTTING_DOWN')) return load();
      throw err;
    }
  };
  const cached = (key: string, load: () => Promise<NotifySpec[]>): Promise<NotifySpec[]> => {
    let p = cache.get(key);
    if (!p) {
      p = once(load).catch((err: unknown) => {
        if (isOrbitError(err, 'E_SHUTTING_DOWN')) cache.delete(key);
        return [];
      });
      if (cache.size > KEPT) cache.clear();
      cache.set(key, p);
    }
    return p;
  };
  return async (entry) => {
    const commit = entry?.config_commit;
    const ref = !commit ? branch : entry.kind === 'commit-rejected' ? `${commit}~1` : commit;
    const repo = await cached(`repo ${ref}`, async () => (await loader.repoSettings(ref)).notify);
    const service = entry?.service_id;
    if (!service || !commit) return repo;
    const own = await cached(
      `${service} ${ref}`,
      async () => (await loader.serviceSpec(service, ref)).notify,
    );
    // A service's own block wins over a repo-wide one of the same name.
    return [...repo.filter((r) => !own.some((o) => o.name === r.name)), ...own];
  };
}
