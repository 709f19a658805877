/** Finding a repository's git directory. */
import { run } from './run.js';

/** The directory holding objects and refs: `.git` of a work tree, the repo itself when bare. */
export async function resolveGitDir(dir: string): Promise<string> {
  const r = await run(['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: dir });
  return r.stdout.trim();
}
