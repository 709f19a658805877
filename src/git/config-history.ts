/**
 * Reads the config repository's history. Commits are read as objects (through the repository's
 * one long-lived `cat-file --batch-command`) and changed paths by comparing trees, so no text a
 * commit carries (its message, its author) can change which commits there are, who wrote them or
 * what they touch. The usual walk (a few new commits on the branch's first-parent line since the
 * last one seen) starts no process; anything else is asked of git. Nothing here writes.
 */
import { OrbitError } from '../util/errors.js';
import {
  deployPath,
  ENVIRONMENTS_DIR,
  SERVICES_DIR,
  serviceFileOf,
  valuesPath,
} from '../util/service-files.js';
import { parseServiceId } from '../util/service-name.js';
import { isAncestor, mergeBase, resolveCommit } from './ancestry.js';
import { parseCommit } from './commit-object.js';
import { objectStore, type ObjectStore } from './object-store.js';
import { run } from './run.js';
import { stream } from './stream.js';
import { changedPaths } from './tree-diff.js';

export interface ConfigCommit {
  sha: string;
  /** `Name <email>` of the commit's author: who triggered what it starts. */
  author: string;
  time: string;
  subject: string;
  body: string;
  /** Paths changed against the first parent (all paths for a root commit). */
  files: string[];
}

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** How far a first-parent walk goes before the question is git's (a merge, a rewrite). */
const WALK_LIMIT = 1000;

export class ConfigHistory {
  constructor(readonly dir: string) {}

  /** The commit `ref` names, or null when it names none. */
  resolve(ref: string): Promise<string | null> {
    return resolveCommit({ cwd: this.dir }, ref);
  }

  /** Whether `descendant`'s history contains `ancestor`; git failures are thrown (E_GIT). */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    if (await this.firstParentsSince(ancestor, descendant)) return true;
    return isAncestor({ cwd: this.dir }, ancestor, descendant);
  }

  /**
   * The first-parent commits from `head` back to `since` (excluded), newest first, when `since`
   * is on that line within WALK_LIMIT commits; null otherwise (then git answers). On that line,
   * no commit after `since` can be reachable from it, so this is what `rev-list --first-parent
   * head ^since` lists.
   */
  private async firstParentsSince(since: string, head: string): Promise<string[] | null> {
    if (!OID.test(since) || !OID.test(head)) return null;
    const store = await this.store();
    const chain: string[] = [];
    for (let at: string | undefined = head; at !== since;) {
      if (at === undefined || chain.length >= WALK_LIMIT) return null;
      const o = await store.read(at);
      if (!o || o.type !== 'commit') return null;
      chain.push(at);
      at = /^parent ([0-9a-f]+)$/m.exec(o.content.toString('latin1').split('\n\n')[0] ?? '')?.[1];
    }
    return chain;
  }

  /** The best common ancestor of two commits (what `A...B` is measured from); null when none. */
  mergeBase(a: string, b: string): Promise<string | null> {
    return mergeBase({ cwd: this.dir }, a, b);
  }

  /** Commits after `since` up to `head`, first-parent, oldest first. */
  async commitsBetween(since: string | null, head: string): Promise<ConfigCommit[]> {
    const chain = since ? await this.firstParentsSince(since, head) : null;
    if (chain) return this.commits(chain.reverse());
    const out = await run(
      [
        'rev-list',
        '--first-parent',
        '--reverse',
        '--end-of-options',
        head,
        ...(since ? [`^${since}`] : []),
        '--',
      ],
      { cwd: this.dir },
    );
    return this.commits(out.stdout.split('\n').filter(Boolean));
  }

  async commit(ref: string): Promise<ConfigCommit> {
    const sha = await this.resolve(ref);
    const [commit] = sha ? await this.commits([sha]) : [];
    if (!commit) throw new OrbitError('E_UNKNOWN_REF', `unknown revision ${ref}`, { ref });
    return commit;
  }

  /**
   * Several commits (full shas), in the order given, each with the paths it changed against its
   * first parent (all paths for a root commit). All reads are queued at once: the reader
   * pipelines them.
   */
  async commits(shas: readonly string[]): Promise<ConfigCommit[]> {
    if (shas.length === 0) return [];
    const store = await this.store();
    return Promise.all(
      shas.map(async (sha): Promise<ConfigCommit> => {
        const c = await store.commit(sha);
        const parent = c.parents[0] ? (await store.commit(c.parents[0])).tree : null;
        return {
          sha,
          author: c.author,
          time: c.authorTime,
          subject: c.subject,
          body: c.body,
          files: await changedPaths(store, parent, c.tree),
        };
      }),
    );
  }

  /**
   * Object ids of many `<rev>:<path>` at once (null where the path does not exist): a full id's
   * paths are looked up in its parsed trees (each tree read once, however many services are
   * asked), anything else through one `git cat-file --batch-check`.
   */
  async objectIds(specs: readonly string[]): Promise<Map<string, string | null>> {
    const ids = new Map<string, string | null>();
    const asked = specs.filter((s) => !/[\n\r]/.test(s));
    const store = await this.store();
    // The tree a revision's paths are read from: null when it has none (a root commit's `^`),
    // undefined when only git can say.
    const trees = new Map<string, Promise<string | null | undefined>>();
    const treeOf = (rev: string): Promise<string | null | undefined> => {
      let t = trees.get(rev);
      if (!t) {
        t = (async () => {
          const parent = rev.endsWith('^');
          const oid = parent ? rev.slice(0, -1) : rev;
          const o = await store.read(oid);
          if (o?.type === 'tree' && !parent) return oid;
          if (o?.type !== 'commit') return undefined;
          const c = parseCommit(oid, o.content);
          if (!parent) return c.tree;
          return c.parents[0] ? (await store.commit(c.parents[0])).tree : null;
        })();
        trees.set(rev, t);
      }
      return t;
    };
    const rest: string[] = [];
    await Promise.all(
      asked.map(async (spec) => {
        const m = /^([0-9a-f]{40}(?:[0-9a-f]{24})?\^?):(.+)$/.exec(spec);
        const path = m?.[2];
        const tree = m && path && plainPath(path) ? await treeOf(m[1]!) : undefined;
        if (tree === undefined || !path) return void rest.push(spec);
        ids.set(spec, tree === null ? null : ((await store.entryAt(tree, path))?.oid ?? null));
      }),
    );
    if (rest.length === 0) return ids;
    const out = await run(['cat-file', '--batch-check=%(objectname)'], {
      cwd: this.dir,
      input: rest.map((s) => s + '\n').join(''),
    });
    const lines = out.stdout.split('\n');
    rest.forEach((spec, i) => {
      const line = (lines[i] ?? '').trim();
      ids.set(spec, OID.test(line) ? line : null);
    });
    return ids;
  }

  /**
   * The newest commit at or before `head` touching each service's files, in one first-parent
   * walk that stops as soon as every service has been found.
   */
  async lastCommitsTouching(head: string, services: readonly string[]): Promise<Map<string, string>> {
    const wanted = new Set(services);
    const found = new Map<string, string>();
    if (wanted.size === 0) return found;
    // With -z every path ends in NUL and each commit's id ends in NUL (its paths follow after a
    // newline). The pathspec makes every path start with `services/` or `environments/`, which
    // no id does.
    const records = stream(
      [
        'log',
        '--first-parent',
        '-m',
        '-z',
        '--no-renames',
        '--name-only',
        '--format=%H',
        '--end-of-options',
        head,
        '--',
        `${SERVICES_DIR}/`,
        `${ENVIRONMENTS_DIR}/`,
      ],
      { cwd: this.dir, separator: '\0' },
    );
    let sha = '';
    for await (const record of records) {
      const token = record.replace(/^\n/, '');
      if (OID.test(token)) {
        sha = token;
        continue;
      }
      for (const service of servicesTouched([token], services)) {
        if (wanted.has(service) && !found.has(service)) found.set(service, sha);
      }
      if (found.size === wanted.size) break;
    }
    return found;
  }

  private store(): Promise<ObjectStore> {
    return objectStore(this.dir);
  }
}

/** A path git reads from the top of the tree as written (no `./`, `../` or empty component). */
const plainPath = (p: string): boolean => p.split('/').every((c) => c !== '' && c !== '.' && c !== '..');

/** `git revert` writes "This reverts commit <sha>." in the body. */
export function revertedCommit(commit: ConfigCommit): string | null {
  const m = /This reverts commit ([0-9a-f]{40})/.exec(commit.body);
  return m?.[1] ?? null;
}

/**
 * The services whose files a set of changed paths touches. A deploy.hcl is shared by every
 * service of its name (`api`, `api@prod`, ...): `services` (those at the commit) says which
 * those are; without them, or when none has the name, it touches the plain service.
 */
export function servicesTouched(files: readonly string[], services: readonly string[] = []): string[] {
  const names = new Set<string>();
  for (const f of files) {
    const sf = serviceFileOf(f);
    if (sf?.kind === 'values') names.add(sf.service);
    else if (sf) {
      const users = usersByName(services).get(sf.name);
      for (const id of users ?? [sf.name]) names.add(id);
    }
  }
  return [...names].sort();
}

/**
 * The services of each name, indexed once per list: a `git log` of every path asks per path, and
 * a scan of the list each time made a status of 10,000 services quadratic.
 */
const byName = new WeakMap<readonly string[], { length: number; index: Map<string, string[]> }>();
function usersByName(services: readonly string[]): Map<string, string[]> {
  const kept = byName.get(services);
  // A list grown or cut since (none is, but a stale index would be a wrong answer) is indexed again.
  let index = kept?.length === services.length ? kept.index : undefined;
  if (!index) {
    index = new Map();
    for (const id of services) {
      const name = parseServiceId(id).name;
      const list = index.get(name);
      if (list) list.push(id);
      else index.set(name, [id]);
    }
    byName.set(services, { length: services.length, index });
  }
  return index;
}

/** The two files that make a service's config at a commit: equal ids mean an identical config. */
export const serviceConfigPaths = (commit: string, service: string): [string, string] => [
  `${commit}:${deployPath(service)}`,
  `${commit}:${valuesPath(service)}`,
];
