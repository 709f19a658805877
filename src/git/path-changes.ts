/**
 * The newest first-parent commits at or before a commit that changed some paths, as
 * `git log -<max> --first-parent -- <paths>` lists them, walked through the object store: a commit
 * changed a path when the path's entry (id and mode) differs from its first parent's. Answers are
 * kept per commit, so checking a new commit on a line already checked reads one commit and its
 * trees; a walk longer than WALK_LIMIT, and paths git would read as patterns, are git's.
 */
import { objectStore, type ObjectStore } from './object-store.js';
import { run } from './run.js';

const WALK_LIMIT = 200;

/** A path `git log` reads literally: no wildcard, no pathspec magic, no `.` or `..` component. */
const literal = (p: string): boolean =>
  !/[*?[\]\\:]/.test(p) && p.split('/').every((c) => c !== '' && c !== '.' && c !== '..');

export class PathChanges {
  private readonly memo = new Map<string, Promise<string[]>>();

  constructor(private readonly dir: string) {}

  changes(head: string, paths: readonly string[], max: number): Promise<string[]> {
    const key = `${head}\0${max}\0${paths.join('\0')}`;
    let found = this.memo.get(key);
    if (!found) {
      found = this.walk(head, paths, max);
      this.memo.set(key, found);
      // A git failure is not an answer: asked again, it is walked again.
      found.catch(() => this.memo.delete(key));
    }
    return found;
  }

  private async walk(head: string, paths: readonly string[], max: number): Promise<string[]> {
    if (!paths.every(literal) || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head))
      return this.log(head, paths, max);
    const store = await objectStore(this.dir);
    const found: string[] = [];
    let at: string | undefined = head;
    for (let n = 0; at && found.length < max; n++) {
      if (at !== head) {
        const known = this.memo.get(`${at}\0${max - found.length}\0${paths.join('\0')}`);
        if (known) return [...found, ...(await known)];
      }
      if (n >= WALK_LIMIT) return [...found, ...(await this.log(at, paths, max - found.length))];
      const c = await store.commit(at);
      const parent = c.parents[0] ? (await store.commit(c.parents[0])).tree : null;
      if (await changed(store, c.tree, parent, paths)) found.push(at);
      at = c.parents[0];
    }
    return found;
  }

  private async log(head: string, paths: readonly string[], max: number): Promise<string[]> {
    const out = await run(
      ['log', `-${max}`, '--first-parent', '--format=%H', '--end-of-options', head, '--', ...paths],
      { cwd: this.dir },
    );
    return out.stdout.split('\n').filter(Boolean);
  }
}

async function changed(
  store: ObjectStore,
  tree: string,
  parent: string | null,
  paths: readonly string[],
): Promise<boolean> {
  for (const p of paths) {
    const now = await store.entryAt(tree, p);
    const before = parent ? await store.entryAt(parent, p) : null;
    if (now?.oid !== before?.oid || now?.mode !== before?.mode) return true;
  }
  return false;
}
