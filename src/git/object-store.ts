/**
 * A repository's objects and refs, read without a process per read: one long-lived
 * `git cat-file --batch-command` for objects, refs from their files, trees parsed in JS and kept
 * (an object never changes, so a parsed tree is valid for as long as it is kept). One per
 * repository in a process, shared by everything that reads it.
 */
import { BatchReader, type GitObjectInfo } from './batch-reader.js';
import { parseCommit, type CommitObject } from './commit-object.js';
import { lookupName, type RefDirs } from './ref-files.js';
import { locateRepo } from './repo.js';
import { run, type GitTarget, type RunOptions } from './run.js';
import { parseTree, type TreeEntry } from './tree-object.js';
import { OrbitError } from '../util/errors.js';

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** A parsed tree: entries by name, and in git's order. */
export interface Tree {
  oid: string;
  entries: readonly TreeEntry[];
  byName: ReadonlyMap<string, TreeEntry>;
}

/** Parsed trees kept per repository: a first reconcile of 10,000 services reads each tree once. */
const TREE_CACHE_ENTRIES = 200_000;
/** An idle reader's process ends after this long; the next read starts another. */
const IDLE_CLOSE_MS = 60_000;

export class ObjectStore {
  private readonly reader: BatchReader;
  private readonly trees = new Map<string, Tree>();
  private treeEntries = 0;
  private idle: NodeJS.Timeout | null = null;

  constructor(readonly dirs: RefDirs) {
    this.reader = new BatchReader(dirs.commonDir);
  }

  /** An object's content; null when the repository does not have it. */
  async read(oid: string): Promise<{ type: string; content: Buffer } | null> {
    return this.track(this.reader.read(oid));
  }

  info(spec: string): Promise<GitObjectInfo | null> {
    return this.track(this.reader.info(spec));
  }

  async commit(oid: string): Promise<CommitObject> {
    const o = await this.read(oid);
    if (!o || o.type !== 'commit') {
      throw new OrbitError('E_GIT_MISSING_OBJECT', `commit ${oid} is missing from the repository`, { oid });
    }
    return parseCommit(oid, o.content);
  }

  async tree(oid: string): Promise<Tree> {
    const hit = this.trees.get(oid);
    if (hit) {
      // Most recently used last: what is evicted first is what was read longest ago.
      this.trees.delete(oid);
      this.trees.set(oid, hit);
      return hit;
    }
    const o = await this.read(oid);
    if (!o || o.type !== 'tree') {
      throw new OrbitError('E_GIT_MISSING_OBJECT', `tree ${oid} is missing from the repository`, { oid });
    }
    const entries = parseTree(oid, o.content);
    const tree: Tree = { oid, entries, byName: new Map(entries.map((e) => [e.name, e])) };
    this.trees.set(oid, tree);
    this.treeEntries += entries.length + 1;
    for (const [k, t] of this.trees) {
      if (this.treeEntries <= TREE_CACHE_ENTRIES) break;
      this.trees.delete(k);
      this.treeEntries -= t.entries.length + 1;
    }
    return tree;
  }

  /** The entry at `path` (`a/b/c`) under a tree; null when a component is missing or not a tree. */
  async entryAt(treeOid: string, path: string): Promise<TreeEntry | null> {
    const parts = path.split('/');
    let tree = await this.tree(treeOid);
    for (let i = 0; ; i++) {
      const e = tree.byName.get(parts[i]!);
      if (!e) return null;
      if (i === parts.length - 1) return e;
      if (e.kind !== 'tree') return null;
      tree = await this.tree(e.oid);
    }
  }

  /**
   * The commit `rev^{commit}` names, or null when it names none: a branch, tag or full id is read
   * from the ref files and the object store; revision syntax and abbreviations are asked of git.
   */
  async resolveCommit(rev: string, options: Partial<RunOptions> = {}): Promise<string | null> {
    const parentOf = /^([0-9a-f]{40}(?:[0-9a-f]{24})?)\^$/.exec(rev)?.[1];
    if (parentOf) {
      // `<id>^`: the first parent, as a no-policy check asks for every commit.
      const o = await this.read(parentOf);
      if (o?.type === 'commit') return parseCommit(parentOf, o.content).parents[0] ?? null;
    }
    let oid: string | undefined = lookupName(this.dirs, rev);
    for (let depth = 0; oid !== undefined && depth < 10; depth++) {
      const o = await this.read(oid);
      if (!o) break; // a ref to a missing object: git's own answer (and message) is the one to give
      if (o.type === 'commit') return oid;
      if (o.type !== 'tag') return null;
      oid = /^object ([0-9a-f]+)$/m.exec(o.content.toString('latin1'))?.[1];
    }
    return resolveWithGit({ gitDir: this.dirs.gitDir }, rev, options);
  }

  /** Counts the reads in flight; the process is closed once it has been idle a while. */
  private async track<T>(p: Promise<T>): Promise<T> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    try {
      return await p;
    } finally {
      if (this.reader.pending() === 0 && !this.idle) {
        this.idle = setTimeout(() => {
          this.idle = null;
          if (this.reader.pending() > 0) return;
          this.reader.close();
          this.trees.clear();
          this.treeEntries = 0;
        }, IDLE_CLOSE_MS);
        this.idle.unref();
      }
    }
  }
}

/** `git rev-parse --verify <rev>^{commit}`: null when it names no commit (git's quiet exit 1). */
export async function resolveWithGit(
  target: GitTarget,
  rev: string,
  options: Partial<RunOptions> = {},
): Promise<string | null> {
  const r = await run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], {
    ...options,
    ...target,
    okStatus: [1],
  });
  const sha = r.stdout.trim();
  return r.status === 0 && OID.test(sha) ? sha : null;
}

const stores = new Map<string, ObjectStore>();

/** The object store of the repository at `dir` (a work tree or a git dir), one per process. */
export async function objectStore(dir: string): Promise<ObjectStore> {
  const dirs = await locateRepo(dir);
  let store = stores.get(dirs.gitDir);
  if (!store) {
    store = new ObjectStore(dirs);
    stores.set(dirs.gitDir, store);
  }
  return store;
}

/** The store for a git target (`cwd` a work tree, or `gitDir`). */
export const storeFor = (target: GitTarget): Promise<ObjectStore> =>
  objectStore(target.gitDir ?? target.cwd ?? process.cwd());
