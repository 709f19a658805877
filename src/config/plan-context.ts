/** The render context for `orbit plan` / `orbit validate`: what is known before anything runs. */
import { simpleGit } from 'simple-git';
import type { PlanOptions } from './render.js';
import type { OrbitScope, RenderContext } from './types.js';

export interface PlanContext {
  ctx: RenderContext;
  options: PlanOptions;
  commit: string | null;
}

/** Commit and author of `ref` (default HEAD) when repoDir is a git repository; the rest is unknown. */
export async function planContext(repoDir: string, service: string, ref?: string): Promise<PlanContext> {
  let commit: string | null = null;
  let author = '';
  try {
    const out = await simpleGit({ baseDir: repoDir }).raw([
      'log',
      '-1',
      '--format=%H%x00%an <%ae>',
      ref ?? 'HEAD',
      '--',
    ]);
    const [sha, who] = out.trim().split('\0');
    if (sha && /^[0-9a-f]{40,64}$/.test(sha)) {
      commit = sha;
      author = who ?? '';
    }
  } catch {
    // not a git repository, or no commits yet: commit and author stay unknown
  }
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
