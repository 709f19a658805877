/**
 * Every file under some paths of one commit, from one `git ls-tree -r`: git walks each tree once,
 * where a `<commit>:<path>` lookup per file inflates the trees on its way again for every file.
 */
import { OrbitError } from '../util/errors.js';
import { runBuffer, type GitTarget } from './run.js';

export interface ListedFile {
  /** `100644`, `100755`, `120000` (a symlink), `160000` (a submodule). */
  mode: string;
  /** `blob`, `tree` (with `trees`), or `commit` for a submodule. */
  type: string;
  oid: string;
}

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export interface ListOptions {
  /** Lists the trees on the way too (`-t`): a directory where a file is expected is seen. */
  trees?: boolean;
}

/**
 * The files at `commit` under `paths` (each a directory or a file, taken literally; none: the
 * whole tree), keyed by their path from the repository's root.
 */
export async function listFiles(
  target: GitTarget,
  commit: string,
  paths: readonly string[] = [],
  options: ListOptions = {},
): Promise<Map<string, ListedFile>> {
  if (!COMMIT.test(commit))
    throw new OrbitError('E_GIT', `not a commit id: ${JSON.stringify(commit)}`, { commit });
  // Literal pathspecs: a path holding `*` or `?` names itself, never a pattern.
  const out = await runBuffer(
    [
      '--literal-pathspecs',
      'ls-tree',
      '-r',
      ...(options.trees ? ['-t'] : []),
      '-z',
      '--full-tree',
      commit,
      '--',
      ...paths,
    ],
    target,
  );
  return parseListing(out.stdout);
}

/** The first space from `from` before `limit`, else `limit`. */
function spaceBefore(out: Buffer, from: number, limit: number): number {
  const at = out.indexOf(32, from);
  return at < 0 || at > limit ? limit : at;
}

/** `ls-tree -z` records: `<mode> <type> <oid>\t<path>\0`. */
export function parseListing(out: Buffer): Map<string, ListedFile> {
  const files = new Map<string, ListedFile>();
  let at = 0;
  while (at < out.length) {
    let end = out.indexOf(0, at);
    if (end < 0) end = out.length;
    const tab = out.indexOf(9, at);
    if (tab > at && tab < end) {
      // Cut at the two spaces, not split(): tens of thousands of records in a status at scale.
      const cut1 = spaceBefore(out, at, tab);
      const cut2 = cut1 === tab ? tab : spaceBefore(out, cut1 + 1, tab);
      const mode = out.toString('latin1', at, cut1);
      const type = cut1 === tab ? '' : out.toString('latin1', cut1 + 1, cut2);
      const oid = cut2 === tab ? '' : out.toString('latin1', cut2 + 1, tab);
      files.set(out.toString('utf8', tab + 1, end), { mode, type, oid });
    }
    at = end + 1;
  }
  return files;
}
