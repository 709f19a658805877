/**
 * The paths that differ between two trees, as `git diff-tree -r --no-renames --name-only` lists
 * them (in another order): files (and links, gitlinks) added, removed or changed in content or
 * mode; a subtree is entered only when its id differs, so the cost follows the change, not the
 * size of the tree.
 */
import type { ObjectStore } from './object-store.js';
import type { TreeEntry } from './tree-object.js';

export async function changedPaths(store: ObjectStore, from: string | null, to: string): Promise<string[]> {
  const out: string[] = [];
  await diff(store, from, to, '', out);
  return out;
}

async function diff(
  store: ObjectStore,
  from: string | null,
  to: string | null,
  prefix: string,
  out: string[],
): Promise<void> {
  if (from === to) return;
  const [a, b] = await Promise.all([from ? store.tree(from) : null, to ? store.tree(to) : null]);
  const names = new Set([...(a?.byName.keys() ?? []), ...(b?.byName.keys() ?? [])]);
  const subtrees: Array<Promise<void>> = [];
  for (const name of [...names].sort()) {
    const x = a?.byName.get(name) ?? null;
    const y = b?.byName.get(name) ?? null;
    const path = prefix + name;
    const tx = x?.kind === 'tree' ? x.oid : null;
    const ty = y?.kind === 'tree' ? y.oid : null;
    // A file on either side that is not the same file on the other.
    const fx = x && x.kind !== 'tree' ? x : null;
    const fy = y && y.kind !== 'tree' ? y : null;
    if ((fx || fy) && !sameFile(fx, fy)) out.push(path);
    if (tx !== ty) subtrees.push(diff(store, tx, ty, `${path}/`, out));
  }
  await Promise.all(subtrees);
}

const sameFile = (x: TreeEntry | null, y: TreeEntry | null): boolean =>
  x !== null && y !== null && x.oid === y.oid && x.mode === y.mode;
