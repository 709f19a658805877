/** The render context for `orbit plan` / `orbit validate`: what is known before anything runs. */
import { ConfigHistory } from '../git/config-history.js';
import { isOrbitError } from '../util/errors.js';
import type { PlanOptions } from './render.js';
import type { OrbitScope, RenderContext } from './types.js';

export interface PlanContext {
  ctx: RenderContext;
  options: PlanOptions;
  commit: string | null;
}

/** Commit and author of `ref` (default HEAD) when repoDir is a git repository; the rest is unknown. */
export async function planContext(repoDir: string, service: string, ref?: string): Promise<PlanContext> {
  const known = await commitAt(repoDir, ref ?? 'HEAD');
  const commit = known?.sha ?? null;
  const author = known?.author ?? '';
  const unknownOrbit: Array<keyof OrbitScope> = ['deployment_id', 'timestamp', 'sequence'];
  if (commit === null) unknownOrbit.push('commit', 'author');
  return {
    ctx: {
      orbit: { deployment_id: '', service, commit: commit ?? '', author, timestamp: '', sequence: 0 },
      previous: null,
      stepOutputs: {},
    },
    // The state branch is not read by plan: previous.* shows as a placeholder.
    options: { unknownOrbit, previousUnknown: true },
    commit,
  };
}

/** Null outside a git repository, before the first commit, or for an unknown ref. */
async function commitAt(repoDir: string, ref: string): Promise<{ sha: string; author: string } | null> {
  const history = new ConfigHistory(repoDir);
  let sha: string | null;
  try {
    sha = await history.resolve(ref);
  } catch (err) {
    // rev-parse exits 128 outside a repository: then there is simply no commit to show.
    if (isOrbitError(err, 'E_GIT') && err.data.status === 128) return null;
    throw err;
  }
  if (!sha) return null;
  const [c] = await history.commits([sha]);
  return c ? { sha: c.sha, author: c.author } : null;
}
