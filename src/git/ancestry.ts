/** Questions about commits' ancestry, answered so that only a real "no" reads as no. */
import { storeFor } from './object-store.js';
import { run, type GitTarget, type RunOptions } from './run.js';

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * The commit `ref` names, or null when it names none (git's quiet exit 1): branches, tags and
 * full ids from the ref files and the object store, anything else from `git rev-parse`.
 */
export async function resolveCommit(
  target: GitTarget,
  ref: string,
  options: Partial<RunOptions> = {},
): Promise<string | null> {
  return (await storeFor(target)).resolveCommit(ref, options);
}

/**
 * Whether `descendant`'s history contains `ancestor`. A commit that is not in the repository is
 * not in the history either; any other git failure is thrown, never read as "no".
 */
export async function isAncestor(
  target: GitTarget,
  ancestor: string,
  descendant: string,
  options: Partial<RunOptions> = {},
): Promise<boolean> {
  if ((await resolveCommit(target, ancestor, options)) === null) return false;
  const r = await run(['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant], {
    ...options,
    ...target,
    okStatus: [1],
  });
  if (r.status === 0) return true;
  // --is-ancestor also answers 1, silently, when it cannot read a commit on the way: walking the
  // commits it would have crossed tells a missing object (thrown) from a real "no".
  await run(['rev-list', '--quiet', '--end-of-options', descendant, `^${ancestor}`, '--'], {
    ...options,
    ...target,
  });
  return false;
}

/** The best common ancestor of two commits (what `A...B` is measured from); null when none. */
export async function mergeBase(
  target: GitTarget,
  a: string,
  b: string,
  options: Partial<RunOptions> = {},
): Promise<string | null> {
  const r = await run(['merge-base', '--end-of-options', a, b], { ...options, ...target, okStatus: [1] });
  const sha = r.stdout.trim().split('\n')[0] ?? '';
  return r.status === 0 && OID.test(sha) ? sha : null;
}
