/** The state log's git commands, through the git layer, raising the state log's codes. */
import { OrbitError } from '../util/errors.js';
import { oneLine, run, runBuffer } from '../git/run.js';
import { resolveGitDir as resolveDir } from '../git/repo.js';

/** Runs the git CLI against a git dir; resolves stdout, rejects with an OrbitError carrying stderr. */
export async function git(
  gitdir: string,
  args: string[],
  opts: { allowExit?: number[] } = {},
): Promise<string> {
  const r = await run(args, { gitDir: gitdir, okStatus: opts.allowExit, errorCode: 'E_STATE_GIT' });
  return r.stdout;
}

/** Exit status only (e.g. `merge-base --is-ancestor`); -1 when git could not run. */
export async function gitStatus(gitdir: string, args: string[]): Promise<number> {
  try {
    return (await runBuffer(args, { gitDir: gitdir, okStatus: 'any' })).status;
  } catch {
    return -1;
  }
}

/** The directory holding objects and refs: `.git` of a work tree, the repo itself when bare. */
export async function resolveGitDir(dir: string): Promise<string> {
  try {
    return await resolveDir(dir);
  } catch (err) {
    const stderr = err instanceof OrbitError ? oneLine(String(err.data.stderr ?? '')) : '';
    const why = stderr || (err as Error).message;
    throw new OrbitError(
      'E_STATE_NOT_A_REPO',
      `not a git repository: ${dir}: ${why}`,
      { dir },
      { cause: err },
    );
  }
}
