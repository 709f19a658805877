/**
 * Reads the config repository's history. Commits are read as objects (through one
 * `cat-file --batch` per call) and changed paths by comparing trees (`diff-tree -z`), so no text a
 * commit carries (its message, its author) can change which commits there are, who wrote them or
 * what they touch. Nothing here writes.
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
import { BatchReader } from './batch-reader.js';
import { parseCommit, type CommitObject } from './commit-object.js';
import { resolveGitDir } from './repo.js';
import { run, runBuffer } from './run.js';
import { stream } from './stream.js';

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

export class ConfigHistory {
  private gitdir: Promise<string> | null = null;

  constructor(readonly dir: string) {}

  /** The commit `ref` names, or null when it names none. */
  resolve(ref: string): Promise<string | null> {
    return resolveCommit({ cwd: this.dir }, ref);
  }

  /** Whether `descendant`'s history contains `ancestor`; git failures are thrown (E_GIT). */
  isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return isAncestor({ cwd: this.dir }, ancestor, descendant);
  }

  /** The best common ancestor of two commits (what `A...B` is measured from); null when none. */
  mergeBase(a: string, b: string): Promise<string | null> {
    return mergeBase({ cwd: this.dir }, a, b);
  }

  /** Commits after `since` up to `head`, first-parent, oldest first. */
  async commitsBetween(since: string | null, head: string): Promise<ConfigCommit[]> {
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
   * Several commits (full shas), in the order given: the objects through one `cat-file --batch`,
   * the changed paths through one `diff-tree`.
   */
  async commits(shas: readonly string[]): Promise<ConfigCommit[]> {
    if (shas.length === 0) return [];
    const reader = new BatchReader(await this.gitDir());
    let objects: Array<{ sha: string; commit: CommitObject }>;
    try {
      // All requests are queued at once: the reader pipelines them.
      objects = await Promise.all(shas.map((sha) => readCommit(reader, sha)));
    } finally {
      reader.close();
    }
    const files = await this.changedFiles(objects.map((o) => [o.sha, o.commit.parents[0] ?? null]));
    return objects.map(({ sha, commit: c }) => ({
      sha,
      author: c.author,
      time: c.authorTime,
      subject: c.subject,
      body: c.body,
      files: files.get(sha) ?? [],
    }));
  }

  /**
   * Paths each commit changed against the parent given (all paths for a root commit), compared
   * tree to tree by `git diff-tree -z`. Each commit's id is printed before its paths (`--always`,
   * also when nothing changed); a path that equals the next expected id would need a preimage of
   * a commit made after the path was committed.
   */
  private async changedFiles(pairs: ReadonlyArray<[string, string | null]>): Promise<Map<string, string[]>> {
    const out = await runBuffer(
      ['diff-tree', '--stdin', '-z', '-r', '--root', '--always', '--no-renames', '--name-only'],
      {
        cwd: this.dir,
        input: pairs.map(([sha, parent]) => (parent ? `${sha} ${parent}\n` : `${sha}\n`)).join(''),
      },
    );
    const files = new Map<string, string[]>();
    let next = 0;
    let current: string[] | null = null;
    for (const token of out.stdout.toString('utf8').split('\0')) {
      if (token === '') continue;
      const expected = pairs[next]?.[0];
      if (token === expected) {
        current = [];
        files.set(token, current);
        next++;
      } else if (current) current.push(token);
    }
    if (next !== pairs.length) {
      throw new OrbitError('E_GIT', `git diff-tree reported ${next} of ${pairs.length} commits`, {
        command: 'git diff-tree --stdin',
      });
    }
    return files;
  }

  /**
   * Object ids of many `<rev>:<path>` at once, through one `git cat-file --batch-check`
   * (null where the path does not exist): status compares hundreds of services with one process.
   */
  async objectIds(specs: readonly string[]): Promise<Map<string, string | null>> {
    const ids = new Map<string, string | null>();
    const asked = specs.filter((s) => !/[\n\r]/.test(s));
    if (asked.length === 0) return ids;
    const out = await run(['cat-file', '--batch-check=%(objectname)'], {
      cwd: this.dir,
      input: asked.map((s) => s + '\n').join(''),
    });
    const lines = out.stdout.split('\n');
    asked.forEach((spec, i) => {
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

  private gitDir(): Promise<string> {
    this.gitdir ??= resolveGitDir(this.dir);
    return this.gitdir;
  }
}

async function readCommit(reader: BatchReader, sha: string): Promise<{ sha: string; commit: CommitObject }> {
  const obj = await reader.read(sha);
  if (!obj || obj.type !== 'commit') {
    throw new OrbitError('E_GIT_MISSING_OBJECT', `commit ${sha} is missing from the repository`, {
      oid: sha,
    });
  }
  return { sha: obj.oid, commit: parseCommit(obj.oid, obj.content) };
}

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
      const users = services.filter((id) => parseServiceId(id).name === sf.name);
      for (const id of users.length > 0 ? users : [sf.name]) names.add(id);
    }
  }
  return [...names].sort();
}

/** The two files that make a service's config at a commit: equal ids mean an identical config. */
export const serviceConfigPaths = (commit: string, service: string): [string, string] => [
  `${commit}:${deployPath(service)}`,
  `${commit}:${valuesPath(service)}`,
];
