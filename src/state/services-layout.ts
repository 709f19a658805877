import { formatVersionOf } from './format.js';
import { makeObject, serialiseTree, type TreeItem } from './git-objects.js';
import { SERVICES_DIR, serviceShard } from './paths.js';
import type { TreeStore, TreeUpdate } from './tree-store.js';

/**
 * The layout of `services/` in a state commit's tree. Format 3 shards it (`services/<xx>/<service>/`,
 * see paths.ts) and says so in `format.json` at the root; a tree without that file was written
 * before format 3, with every service directly under `services/`. Readers read both; a writer
 * moves an old tree to the sharded layout in its first entry's commit, reusing every service's
 * subtree as it is (nothing under a service is rewritten).
 */
export const LAYOUT_FILE = 'format.json';

export type ServicesLayout = 'sharded' | 'flat';

/** What `format.json` holds: the same bytes in every commit, so one blob for the whole log. */
export function layoutFileContent(): string {
  return (
    JSON.stringify(
      {
        format_version: 3,
        services: 'services/<shard>/<service>/, <shard> being the first two hex digits of sha1(<service>)',
      },
      null,
      2,
    ) + '\n'
  );
}

/** The layout of the tree `root` (null: an empty log, written sharded from its first entry). */
export async function layoutOf(trees: TreeStore, root: string | null): Promise<ServicesLayout> {
  if (!root) return 'sharded';
  const item = (await trees.readTree(root)).find((it) => it.path === LAYOUT_FILE && it.type === 'blob');
  if (!item) return 'flat';
  // A layout from a newer Orbit is refused rather than misread.
  formatVersionOf(JSON.parse(await trees.readBlob(item.oid)) as Record<string, unknown>, LAYOUT_FILE);
  return 'sharded';
}

/** A sharded path (paths.ts) as a flat tree holds it: `services/<xx>/<service>/…` → `services/<service>/…`. */
export function flatPath(path: string[]): string[] {
  return path[0] === SERVICES_DIR && path.length >= 3 ? [SERVICES_DIR, ...path.slice(2)] : path;
}

/**
 * The flat tree `root` with its services moved into shards: new `services/`, shard and root trees
 * (hashed, not written; `format.json` is the caller's to add). Every service's subtree keeps its oid.
 */
export async function shardFlatServices(trees: TreeStore, root: string): Promise<TreeUpdate> {
  const update: TreeUpdate = { root: '', objects: [], trees: new Map(), blobs: new Map() };
  const addTree = (items: TreeItem[]): string => {
    const obj = makeObject('tree', serialiseTree(items));
    update.objects.push(obj);
    update.trees.set(obj.oid, items);
    return obj.oid;
  };
  const rootItems = (await trees.readTree(root)).filter((it) => it.path !== SERVICES_DIR);
  const services = (await trees.readTree(root)).find((it) => it.path === SERVICES_DIR && it.type === 'tree');
  const shards = new Map<string, TreeItem[]>();
  for (const it of services ? await trees.readTree(services.oid) : []) {
    const shard = serviceShard(it.path);
    const list = shards.get(shard) ?? [];
    list.push(it);
    shards.set(shard, list);
  }
  if (shards.size > 0) {
    const shardItems = [...shards].map(([name, items]): TreeItem => ({
      mode: '040000',
      path: name,
      oid: addTree(items),
      type: 'tree',
    }));
    rootItems.push({ mode: '040000', path: SERVICES_DIR, oid: addTree(shardItems), type: 'tree' });
  }
  update.root = addTree(rootItems);
  return update;
}
