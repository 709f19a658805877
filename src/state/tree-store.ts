import { createHash } from 'node:crypto';
import git from 'isomorphic-git';
import { OrbitError } from '../util/errors.js';
import type { AtomicFs } from './atomic-fs.js';
import type { ObjectReader } from './object-reader.js';

export interface TreeItem {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export interface FileChange {
  path: string[];
  content: string;
}

/** A small map that forgets its oldest keys: objects are immutable, so entries never go stale. */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  set(k: string, v: V): void {
    if (this.map.size >= this.max && !this.map.has(k)) {
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.set(k, v);
  }
}

function parseTree(buf: Buffer): TreeItem[] {
  const out: TreeItem[] = [];
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(32, i);
    const nul = buf.indexOf(0, sp);
    const mode = buf.subarray(i, sp).toString();
    const path = buf.subarray(sp + 1, nul).toString();
    const oid = buf.subarray(nul + 1, nul + 21).toString('hex');
    i = nul + 21;
    const type = mode === '40000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    out.push({ mode: mode === '40000' ? '040000' : mode, path, oid, type });
  }
  return out;
}

interface Trie {
  files: Map<string, string>;
  dirs: Map<string, Trie>;
}

/**
 * Reads trees through the cat-file reader (cached by oid) and writes new trees with
 * isomorphic-git, rewriting only the trees on changed paths: every other subtree keeps its oid.
 */
export class TreeStore {
  private readonly trees = new BoundedCache<TreeItem[]>(20_000);
  private readonly blobs = new BoundedCache<string>(5_000);

  constructor(
    private readonly gitdir: string,
    private readonly reader: ObjectReader,
    private readonly fs: AtomicFs,
  ) {}

  async readTree(oid: string): Promise<TreeItem[]> {
    const hit = this.trees.get(oid);
    if (hit) return hit;
    const obj = await this.reader.read(oid);
    if (!obj || obj.type !== 'tree')
      throw new OrbitError('E_STATE_CORRUPT', `tree ${oid} is missing from the repository`, { oid });
    const items = parseTree(obj.content);
    this.trees.set(oid, items);
    return items;
  }

  async readBlob(oid: string): Promise<string> {
    const hit = this.blobs.get(oid);
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

  /** Applies file changes to the tree `root` (null: empty) and returns the new root tree's oid. */
  async update(root: string | null, changes: FileChange[]): Promise<string> {
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
    // Hash every new object first (cheap, synchronous), then let isomorphic-git write them all
    // in parallel: the chain of dependent writes would otherwise cost one disk round trip each.
    const pending: PendingObject[] = [];
    const oid = await this.buildNode(root, trie, pending);
    await Promise.all(
      pending.map((o) =>
        git.writeObject({
          fs: this.fs,
          gitdir: this.gitdir,
          type: o.type,
          object: o.content,
          format: 'content',
        }),
      ),
    );
    for (const o of pending) {
      if (o.type === 'tree') this.trees.set(o.oid, o.items ?? []);
      else this.blobs.set(o.oid, o.text ?? '');
    }
    return oid;
  }

  private async buildNode(oid: string | null, node: Trie, pending: PendingObject[]): Promise<string> {
    const items = new Map<string, TreeItem>();
    if (oid) for (const it of await this.readTree(oid)) items.set(it.path, it);
    for (const [name, text] of node.files) {
      const content = Buffer.from(text, 'utf8');
      const blobOid = hashObject('blob', content);
      pending.push({ type: 'blob', oid: blobOid, content, text });
      items.set(name, { mode: '100644', path: name, oid: blobOid, type: 'blob' });
    }
    for (const [name, child] of node.dirs) {
      const existing = items.get(name);
      const childOid = await this.buildNode(existing?.type === 'tree' ? existing.oid : null, child, pending);
      items.set(name, { mode: '040000', path: name, oid: childOid, type: 'tree' });
    }
    const tree = [...items.values()];
    const content = serialiseTree(tree);
    const treeOid = hashObject('tree', content);
    pending.push({ type: 'tree', oid: treeOid, content, items: tree });
    return treeOid;
  }
}

interface PendingObject {
  type: 'blob' | 'tree';
  oid: string;
  content: Buffer;
  text?: string;
  items?: TreeItem[];
}

function hashObject(type: string, content: Buffer): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
}

/** Git's tree order: names compared bytewise, a directory as if its name ended with '/'. */
function serialiseTree(items: TreeItem[]): Buffer {
  const key = (it: TreeItem): Buffer => Buffer.from(it.type === 'tree' ? it.path + '/' : it.path, 'utf8');
  const sorted = [...items].sort((a, b) => Buffer.compare(key(a), key(b)));
  return Buffer.concat(
    sorted.flatMap((it) => [
      Buffer.from(`${it.mode.replace(/^0/, '')} ${it.path}\0`, 'utf8'),
      Buffer.from(it.oid, 'hex'),
    ]),
  );
}
