/**
 * A commit that changes files, built with git plumbing only: blobs by `hash-object -w`, each
 * tree on the way by `mktree`, the commit by `commit-tree`, the branch by `update-ref` (created,
 * never moved). No index, no checkout: the working tree and whatever is checked out stay as they
 * are (`orbit promote` writes a branch someone reviews, beside the operator's work).
 */
import { OrbitError } from '../util/errors.js';
import { run, runBuffer } from './run.js';

export interface FileChange {
  /** Repo-relative, `/`-separated. */
  path: string;
  content: string;
}

export interface NewBranchCommit {
  cwd: string;
  /** The commit the new one follows (its only parent). */
  parent: string;
  changes: readonly FileChange[];
  message: string;
  /** Full ref name, e.g. `refs/heads/orbit/promote/api/staging-to-prod-1a2b3c4`. */
  ref: string;
}

interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  name: string;
}

async function entriesOf(cwd: string, tree: string | null): Promise<TreeEntry[]> {
  if (tree === null) return [];
  const out = await runBuffer(['ls-tree', '-z', '--full-tree', tree], { cwd });
  return out.stdout
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((record) => {
      const tab = record.indexOf('\t');
      const [mode = '', type = '', oid = ''] = record.slice(0, tab).split(' ');
      return { mode, type, oid, name: record.slice(tab + 1) };
    });
}

async function mktree(cwd: string, entries: readonly TreeEntry[]): Promise<string> {
  const input = entries.map((e) => `${e.mode} ${e.type} ${e.oid}\t${e.name}\0`).join('');
  return (await run(['mktree', '-z'], { cwd, input })).stdout.trim();
}

/** `tree` with the blob at `parts` (missing trees on the way are created); a new tree's id. */
async function withBlob(
  cwd: string,
  tree: string | null,
  parts: readonly string[],
  blob: string,
): Promise<string> {
  const [name, ...rest] = parts;
  if (!name) throw new OrbitError('E_INTERNAL', 'an empty path in a plumbing commit');
  const entries = await entriesOf(cwd, tree);
  const old = entries.find((e) => e.name === name);
  let entry: TreeEntry;
  if (rest.length === 0) {
    if (old && old.type !== 'blob')
      throw new OrbitError('E_GIT', `${name} is a ${old.type} in the tree, not a file`, { name });
    entry = { mode: old?.mode === '100755' ? '100755' : '100644', type: 'blob', oid: blob, name };
  } else {
    if (old && old.type !== 'tree')
      throw new OrbitError('E_GIT', `${name} is a ${old.type} in the tree, not a directory`, { name });
    entry = { mode: '040000', type: 'tree', oid: await withBlob(cwd, old?.oid ?? null, rest, blob), name };
  }
  return mktree(cwd, [...entries.filter((e) => e.name !== name), entry]);
}

/** Writes the commit and creates `ref` at it; fails (E_GIT) when `ref` exists. Returns the commit. */
export async function commitOnNewBranch(c: NewBranchCommit): Promise<string> {
  const { cwd } = c;
  await run(['check-ref-format', c.ref], { cwd });
  let tree = (
    await run(['rev-parse', '--verify', '--end-of-options', `${c.parent}^{tree}`], { cwd })
  ).stdout.trim();
  for (const change of c.changes) {
    const blob = (await run(['hash-object', '-w', '--stdin'], { cwd, input: change.content })).stdout.trim();
    tree = await withBlob(cwd, tree, change.path.split('/'), blob);
  }
  const commit = (
    await run(['commit-tree', tree, '-p', c.parent, '-F', '-'], { cwd, input: c.message })
  ).stdout.trim();
  // An empty old value: the ref must not exist yet, so nothing is ever overwritten.
  await run(['update-ref', '-m', 'orbit: new branch', c.ref, commit, ''], { cwd });
  return commit;
}

/** Whether a ref exists. */
export async function refExists(cwd: string, ref: string): Promise<boolean> {
  const r = await run(['rev-parse', '--verify', '--quiet', '--end-of-options', ref], { cwd, okStatus: [1] });
  return r.status === 0;
}
