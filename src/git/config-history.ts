/**
 * Reads the config repository's history with the git CLI (simple-git): fast for walks, and it
 * handles any repository layout. Nothing here writes.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
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
    const [commit] = sha ? await this.commits([sha]) : [];
    if (!commit) throw new OrbitError('E_UNKNOWN_REF', `unknown revision ${ref}`, { ref });
    return commit;
  }

  /** Several commits (full shas) read with one git process, in the order given. */
  async commits(shas: readonly string[]): Promise<ConfigCommit[]> {
    if (shas.length === 0) return [];
    const out = await this.git.raw([
      'log',
      '--no-walk=unsorted',
      '-m',
      '--first-parent',
      '--name-only',
      `--format=${RECORD}%H${FIELD}%an <%ae>${FIELD}%aI${FIELD}%s${FIELD}%b${FIELD}`,
      ...shas,
      '--',
    ]);
    return parseLog(out);
  }

  /**
   * Object ids of many `<rev>:<path>` at once, through one `git cat-file --batch-check`
   * (null where the path does not exist): status compares hundreds of services with one process.
   */
  objectIds(specs: readonly string[]): Promise<Map<string, string | null>> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['cat-file', '--batch-check=%(objectname)'], { cwd: this.dir });
      const ids = new Map<string, string | null>();
      let i = 0;
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const spec = specs[i++];
        if (spec !== undefined) ids.set(spec, line.endsWith(' missing') ? null : line.trim());
      });
      child.once('error', reject);
      child.once('close', (code) =>
        code === 0
          ? resolve(ids)
          : reject(new OrbitError('E_GIT', `git cat-file exited with ${code}`, { code })),
      );
      child.stdin.end(specs.map((s) => s + '\n').join(''));
    });
  }

  /**
   * The newest commit at or before `head` touching each service's files, in one first-parent
   * walk that stops as soon as every service has been found.
   */
  lastCommitsTouching(head: string, services: readonly string[]): Promise<Map<string, string>> {
    const wanted = new Set(services);
    const found = new Map<string, string>();
    if (wanted.size === 0) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const child = spawn(
        'git',
        ['log', '--first-parent', '-m', '--name-only', '--format=%x00%H', head, '--', 'services/'],
        { cwd: this.dir },
      );
      let sha = '';
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        if (line.startsWith('\0')) {
          sha = line.slice(1);
          return;
        }
        const service = servicesTouched([line])[0];
        if (service && wanted.has(service) && !found.has(service)) {
          found.set(service, sha);
          if (found.size === wanted.size) child.kill();
        }
      });
      child.once('error', reject);
      child.once('close', () => resolve(found));
    });
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

/** The two files that make a service's config at a commit: equal ids mean an identical config. */
export const serviceConfigPaths = (commit: string, service: string): [string, string] => [
  `${commit}:services/${service}/deploy.hcl`,
  `${commit}:services/${service}/values.hcl`,
];
