/**
 * A remote config repository (HTTP(S), ssh, git://, file://) mirrored into the data directory:
 * a bare repository that fetches only the watched branch, so the state branch kept beside it is
 * never overwritten by the remote. Uses the git CLI (through the git layer) for every transport and
 * the operator's usual credentials (ssh agent, credential helpers); it never prompts.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { oneLine, run, type RunOptions } from '../git/run.js';
import { OrbitError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/secrets.js';

/** A remote's URL for logs and errors: no user or password (`maskUrlCredentials`). */
export const redactUrl = (url: string): string => maskUrlCredentials(url);

/** Where a remote's mirror lives: one bare repository per URL under `<data-dir>/repos/`. */
export function mirrorDir(dataDir: string, url: string): string {
  const name =
    url
      .replace(/\.git$/, '')
      .split(/[/:]/)
      .filter(Boolean)
      .pop() ?? 'repo';
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 12);
  return path.join(dataDir, 'repos', `${name.replace(/[^\w.-]/g, '_')}-${hash}.git`);
}

export interface FetchResult {
  before: string | null;
  after: string | null;
  changed: boolean;
}

export class RemoteSync {
  private running: Promise<FetchResult> | null = null;
  private again = false;

  constructor(
    readonly url: string,
    readonly dir: string,
    readonly branch: string,
    private readonly timeoutMs = 120_000,
  ) {}

  private git(args: string[], options: Partial<RunOptions> = {}) {
    return run(args, {
      cwd: this.dir,
      remote: true,
      timeoutMs: this.timeoutMs,
      errorCode: 'E_FETCH_FAILED',
      redact: redactUrl,
      ...options,
    });
  }

  /** Creates the bare mirror on first use; the remote is (re)pointed at the configured URL. */
  async init(): Promise<void> {
    if (!existsSync(path.join(this.dir, 'HEAD'))) {
      await mkdir(this.dir, { recursive: true });
      await this.git(['init', '--bare', '--quiet']);
    }
    // Exit 1: no such remote yet.
    const has = await this.git(['config', '--get', 'remote.origin.url'], { okStatus: [1] });
    if (has.status === 0) await this.git(['remote', 'set-url', 'origin', this.url]);
    else await this.git(['remote', 'add', 'origin', this.url]);
  }

  /**
   * Fetches the branch (a forced update, so a force-push becomes visible and the engine refuses
   * it with E_CONFIG_REWRITTEN). Calls while one runs are coalesced into one more fetch.
   */
  fetch(): Promise<FetchResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async (): Promise<FetchResult> => {
      let result: FetchResult;
      do {
        this.again = false;
        result = await this.fetchOnce();
      } while (this.again);
      return result;
    })();
    this.running = run;
    return run.finally(() => {
      this.running = null;
    });
  }

  private async head(): Promise<string | null> {
    const r = await this.git(['rev-parse', '--verify', '--quiet', `refs/heads/${this.branch}`], {
      okStatus: [1],
    });
    return r.stdout.trim() || null;
  }

  private async fetchOnce(): Promise<FetchResult> {
    const before = await this.head();
    try {
      await this.git([
        'fetch',
        '--quiet',
        '--no-tags',
        'origin',
        `+refs/heads/${this.branch}:refs/heads/${this.branch}`,
      ]);
    } catch (err) {
      const detail = redactUrl(oneLine(String((err as OrbitError).data?.stderr ?? (err as Error).message)));
      const missing = /couldn't find remote ref/i.test(detail);
      throw new OrbitError(
        missing ? 'E_UNKNOWN_BRANCH' : 'E_FETCH_FAILED',
        missing
          ? `branch ${this.branch} not found in ${redactUrl(this.url)}`
          : `fetching ${redactUrl(this.url)} failed: ${detail || (err as Error).message}`,
        { url: redactUrl(this.url), branch: this.branch },
      );
    }
    const after = await this.head();
    return { before, after, changed: before !== after };
  }
}

/**
 * Before a daemon with `--state-push` writes anything: the remote's state branch is the shared
 * truth (a daemon restarted on another machine has none or an older one locally). A missing or
 * older local branch takes the remote's; one ahead of it keeps its entries (the pusher sends them);
 * one that diverged is refused, never forced: another Orbit has been writing.
 */
export async function adoptRemoteStateBranch(
  gitdir: string,
  url: string,
  branch: string,
  timeoutMs = 120_000,
): Promise<'none' | 'same' | 'adopted' | 'ahead'> {
  const git = (args: string[], options: Partial<RunOptions> = {}) =>
    run(args, { gitDir: gitdir, cwd: gitdir, redact: redactUrl, ...options });
  const fetched = `refs/orbit/remote-state/${branch}`;
  try {
    await git(['fetch', '--quiet', '--no-tags', url, `+refs/heads/${branch}:${fetched}`], {
      remote: true,
      timeoutMs,
      errorCode: 'E_FETCH_FAILED',
    });
  } catch (err) {
    const detail = redactUrl(oneLine(String((err as OrbitError).data?.stderr ?? (err as Error).message)));
    if (/couldn't find remote ref/i.test(detail)) return 'none';
    throw new OrbitError('E_FETCH_FAILED', `fetching ${branch} from ${redactUrl(url)} failed: ${detail}`, {
      url: redactUrl(url),
      branch,
    });
  }
  const sha = async (ref: string) =>
    (await git(['rev-parse', '--verify', '--quiet', ref], { okStatus: [1] })).stdout.trim() || null;
  const remote = (await sha(fetched))!;
  const local = await sha(`refs/heads/${branch}`);
  await git(['update-ref', '-d', fetched]);
  const isAncestor = async (a: string, b: string) =>
    (await git(['merge-base', '--is-ancestor', a, b], { okStatus: [1] })).status === 0;
  if (local === remote) return 'same';
  if (!local || (await isAncestor(local, remote))) {
    // Compare-and-swap on the old value: nothing else moves the branch meanwhile.
    await git(['update-ref', `refs/heads/${branch}`, remote, local ?? '']);
    return 'adopted';
  }
  if (await isAncestor(remote, local)) return 'ahead';
  throw new OrbitError(
    'E_STATE_PUSH_REJECTED',
    `the state branch ${branch} on ${redactUrl(url)} has diverged from the local one: another Orbit wrote to it; not starting (never forced)`,
    { remote: redactUrl(url), branch, local, remote_sha: remote },
  );
}
