import { OrbitError } from '../util/errors.js';
import { makeObject, parseTree, serialiseTree, type GitObjectToWrite, type TreeItem } from './git-objects.js';
import { BoundedCache } from './bounded-cache.js';
import type { ObjectReader } from './object-reader.js';

export type { TreeItem } from './git-objects.js';

export interface FileChange {
  path: string[];
  content: string;
}

/** The new objects of a tree update: write them all before anything refers to `root`. */
export interface TreeUpdate {
  root: string;
  objects: GitObjectToWrite[];
  /** Parsed forms of the new trees and blobs, to cache once written. */
  trees: Map<string, TreeItem[]>;
  blobs: Map<string, string>;
}

interface Trie {
  files: Map<string, string>;
  dirs: Map<string, Trie>;
}

/**
 * Reads trees through the cat-file reader (cached by oid) and builds new trees in memory,
 * rewriting only the trees on changed paths: every other subtree keeps its oid. Writing the new
 * objects is the caller's (see `PackWriter`).
 */
export class TreeStore {
  private readonly trees = new BoundedCache<TreeItem[]>(20_000);
  private readonly blobs = new BoundedCache<string>(5_000);
  /** A batch's staged trees and blobs, not in the repository yet: readable until `unpin`. */
  private readonly pinnedTrees = new Map<string, TreeItem[]>();
  private readonly pinnedBlobs = new Map<string, string>();

  constructor(private readonly reader: ObjectReader) {}

  async readTree(oid: string): Promise<TreeItem[]> {
    const hit = this.trees.get(oid) ?? this.pinnedTrees.get(oid);
    if (hit) return hit;
    const obj = await this.reader.read(oid);
    if (!obj || obj.type !== 'tree')
      throw new OrbitError('E_STATE_CORRUPT', `tree ${oid} is missing from the repository`, { oid });
    const items = parseTree(obj.content);
    this.trees.set(oid, items);
    return items;
  }

  async readBlob(oid: string): Promise<string> {
    const hit = this.blobs.get(oid) ?? this.pinnedBlobs.get(oid);
    if (hit !== undefined) return hit;
    const obj = await this.reader.read(oid);
    if (!obj || obj.type !== 'blob')
      throw new OrbitError('E_STATE_CORRUPT', `blob ${oid} is missing from the repository`, { oid });
    const text = obj.content.toString('utf8');
    this.blobs.set(oid, text);
    return text;
  }

  /** The item at `path` under the tree `root`, or null. */
  async lookup(root: string | null, path: string[]): Promise<TreeItem | null> {
    let oid = root;
    let item: TreeItem | null = null;
    for (const name of path) {
      if (!oid) return null;
      const items = await this.readTree(oid);
      item = items.find((x) => x.path === name) ?? null;
      if (!item) return null;
      oid = item.type === 'tree' ? item.oid : null;
    }
    return item;
  }

  async readFile(root: string | null, path: string[]): Promise<string | null> {
    const item = await this.lookup(root, path);
    return item && item.type === 'blob' ? this.readBlob(item.oid) : null;
  }

  async list(root: string | null, path: string[]): Promise<TreeItem[]> {
    if (!root) return [];
    if (path.length === 0) return this.readTree(root);
    const item = await this.lookup(root, path);
    return item && item.type === 'tree' ? this.readTree(item.oid) : [];
  }

  /**
   * Applies file changes to the tree `root` (null: empty): the new root tree's oid and the new
   * objects (hashed, not written). Call `remember` once they are written.
   */
  async build(root: string | null, changes: FileChange[]): Promise<TreeUpdate> {
    const trie: Trie = { files: new Map(), dirs: new Map() };
    for (const c of changes) {
      let node = trie;
      const dirs = c.path.slice(0, -1);
      for (const d of dirs) {
        let next = node.dirs.get(d);
        if (!next) node.dirs.set(d, (next = { files: new Map(), dirs: new Map() }));
        node = next;
      }
      node.files.set(c.path[c.path.length - 1] ?? '', c.content);
    }
    const update: TreeUpdate = { root: '', objects: [], trees: new Map(), blobs: new Map() };
    update.root = await this.buildNode(root, trie, update);
    return update;
  }

  /** Caches the parsed forms of an update's objects (once they are in the repository). */
  remember(update: TreeUpdate): void {
    for (const [oid, items] of update.trees) this.trees.set(oid, items);
    for (const [oid, text] of update.blobs) this.blobs.set(oid, text);
  }

  /** Keeps an update readable before it is written (the next entry of a batch builds on it). */
  pin(update: TreeUpdate): void {
    for (const [oid, items] of update.trees) this.pinnedTrees.set(oid, items);
    for (const [oid, text] of update.blobs) this.pinnedBlobs.set(oid, text);
  }

  /** Once a batch is written (or given up): its objects are read, if at all, from the repository. */
  unpin(): void {
    this.pinnedTrees.clear();
    this.pinnedBlobs.clear();
  }

  private async buildNode(oid: string | null, node: Trie, update: TreeUpdate): Promise<string> {
    const items = new Map<string, TreeItem>();
    if (oid) for (const it of await this.readTree(oid)) items.set(it.path, it);
    for (const [name, text] of node.files) {
      const blob = makeObject('blob', Buffer.from(text, 'utf8'));
      // Unchanged content (the same view written again) is already in the repository.
      if (items.get(name)?.oid !== blob.oid) update.objects.push(blob);
      update.blobs.set(blob.oid, text);
      items.set(name, { mode: '100644', path: name, oid: blob.oid, type: 'blob' });
    }
    for (const [name, child] of node.dirs) {
      const existing = items.get(name);
      const childOid = await this.buildNode(existing?.type === 'tree' ? existing.oid : null, child, update);
      items.set(name, { mode: '040000', path: name, oid: childOid, type: 'tree' });
    }
    const tree = [...items.values()];
    const obj = makeObject('tree', serialiseTree(tree));
    if (obj.oid !== oid) update.objects.push(obj);
    update.trees.set(obj.oid, tree);
    return obj.oid;
  }
}
