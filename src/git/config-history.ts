/**
 * Reads the config repository's history with the git CLI (simple-git): fast for walks, and it
 * handles any repository layout. Nothing here writes.
 */
import { simpleGit, type SimpleGit } from 'simple-git';
import { OrbitError } from '../util/errors.js';

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

const FIELD = '\x1f';
const RECORD = '\x1e';

export class ConfigHistory {
  private readonly git: SimpleGit;

  constructor(readonly dir: string) {
    this.git = simpleGit({ baseDir: dir });
  }

  async resolve(ref: string): Promise<string | null> {
    try {
      return (await this.git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() || null;
    } catch {
      return null;
    }
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    // Not `merge-base --is-ancestor`: simple-git resolves a non-zero exit that prints nothing on
    // stderr, so "not an ancestor" (exit 1, silent) would read as true.
    try {
      const [a, bases] = await Promise.all([
        this.resolve(ancestor),
        this.git.raw(['merge-base', '--all', ancestor, descendant]),
      ]);
      return a !== null && bases.split('\n').some((l) => l.trim() === a);
    } catch {
      return false;
    }
  }

  /** Commits after `since` up to `head`, first-parent, oldest first. */
  async commitsBetween(since: string | null, head: string): Promise<ConfigCommit[]> {
    const range = since ? [`${since}..${head}`] : [head];
    const out = await this.git.raw([
      'log',
      '--first-parent',
      '--reverse',
      '-m',
      '--name-only',
      `--format=${RECORD}%H${FIELD}%an <%ae>${FIELD}%aI${FIELD}%s${FIELD}%b${FIELD}`,
      ...range,
      '--',
    ]);
    return parseLog(out);
  }

  async commit(ref: string): Promise<ConfigCommit> {
    const sha = await this.resolve(ref);
    if (!sha) throw new OrbitError('E_UNKNOWN_REF', `unknown revision ${ref}`, { ref });
    const out = await this.git.raw([
      'log',
      '-1',
      '-m',
      '--first-parent',
      '--name-only',
      `--format=${RECORD}%H${FIELD}%an <%ae>${FIELD}%aI${FIELD}%s${FIELD}%b${FIELD}`,
      sha,
      '--',
    ]);
    const [commit] = parseLog(out);
    if (!commit) throw new OrbitError('E_UNKNOWN_REF', `unknown revision ${ref}`, { ref });
    return commit;
  }

  /** `git ls-tree` of some paths at a commit: modes, blob ids and names, as one string. */
  async lsTree(commit: string, paths: string[]): Promise<string> {
    return (await this.git.raw(['ls-tree', commit, '--', ...paths])).trim();
  }

  /** The newest commit at or before `head` that touched the service's files (what the branch says). */
  async lastCommitTouching(head: string, service: string): Promise<string | null> {
    const out = await this.git.raw([
      'log',
      '-1',
      '--first-parent',
      '--format=%H',
      head,
      '--',
      `services/${service}/deploy.hcl`,
      `services/${service}/values.hcl`,
    ]);
    return out.trim() || null;
  }
}

function parseLog(out: string): ConfigCommit[] {
  const commits: ConfigCommit[] = [];
  for (const record of out.split(RECORD)) {
    if (!record.trim()) continue;
    const parts = record.split(FIELD);
    const [sha = '', author = '', time = '', subject = '', body = '', rest = ''] = parts;
    commits.push({
      sha,
      author,
      time,
      subject,
      body: body.trim(),
      files: rest
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    });
  }
  return commits;
}

/** `git revert` writes "This reverts commit <sha>." in the body. */
export function revertedCommit(commit: ConfigCommit): string | null {
  const m = /This reverts commit ([0-9a-f]{40})/.exec(commit.body);
  return m?.[1] ?? null;
}

/** The services whose deploy.hcl or values.hcl a set of changed paths touches. */
export function servicesTouched(files: readonly string[]): string[] {
  const names = new Set<string>();
  for (const f of files) {
    const m = /^services\/([^/]+)\/(deploy|values)\.hcl$/.exec(f);
    if (m?.[1]) names.add(m[1]);
  }
  return [...names].sort();
}

/** Identity of a service's config at a commit: equal ids mean identical deploy.hcl and values.hcl. */
export async function serviceConfigId(
  history: ConfigHistory,
  commit: string,
  service: string,
): Promise<string> {
  return history.lsTree(commit, [`services/${service}/deploy.hcl`, `services/${service}/values.hcl`]);
}
