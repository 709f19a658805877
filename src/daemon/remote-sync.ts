/**
 * A remote config repository (HTTP(S), ssh, git://, file://) mirrored into the data directory:
 * a bare repository that fetches only the watched branch, so the state branch kept beside it is
 * never overwritten by the remote. Uses the git CLI (simple-git) for every transport and the
 * operator's usual credentials (ssh agent, credential helpers); it never prompts.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { OrbitError } from '../util/errors.js';

/** `https://user:secret@host/x` → `https://***@host/x`, for logs and errors. */
export const redactUrl = (url: string): string => url.replace(/\/\/[^/@\s]+@/, '//***@');

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

/**
 * What git needs to reach a remote (paths, ssh agent, proxies, CA bundle, git config), and no
 * prompts. A whitelist: simple-git refuses environments carrying e.g. EDITOR or GIT_CONFIG_GLOBAL.
 */
const PASSED_ENV =
  /^(PATH|HOME|USER|LANG|LC_\w+|TMPDIR|SSH_AUTH_SOCK|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|GIT_SSL_CAINFO|GIT_SSL_CAPATH|GIT_CONFIG_NOSYSTEM|XDG_CONFIG_HOME)$/;

function gitEnv(): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && PASSED_ENV.test(k)) env[k] = v;
  return env;
}

export interface FetchResult {
  before: string | null;
  after: string | null;
  changed: boolean;
}

export class RemoteSync {
  private readonly git: SimpleGit;
  private running: Promise<FetchResult> | null = null;
  private again = false;

  constructor(
    readonly url: string,
    readonly dir: string,
    readonly branch: string,
    timeoutMs = 120_000,
  ) {
    const env = gitEnv();
    this.git = simpleGit({ timeout: { block: timeoutMs }, allowEnvironment: Object.keys(env) }).env(env);
  }

  /** Creates the bare mirror on first use; the remote is (re)pointed at the configured URL. */
  async init(): Promise<void> {
    if (!existsSync(path.join(this.dir, 'HEAD'))) {
      await mkdir(this.dir, { recursive: true });
      await this.git.cwd(this.dir);
      await this.git.raw(['init', '--bare', '--quiet']);
    } else await this.git.cwd(this.dir);
    const remotes = await this.git.getRemotes();
    if (remotes.some((r) => r.name === 'origin')) await this.git.remote(['set-url', 'origin', this.url]);
    else await this.git.addRemote('origin', this.url);
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
    try {
      return (
        (await this.git.raw(['rev-parse', '--verify', '--quiet', `refs/heads/${this.branch}`])).trim() || null
      );
    } catch {
      return null;
    }
  }

  private async fetchOnce(): Promise<FetchResult> {
    const before = await this.head();
    try {
      await this.git.raw([
        'fetch',
        '--quiet',
        '--no-tags',
        'origin',
        `+refs/heads/${this.branch}:refs/heads/${this.branch}`,
      ]);
    } catch (err) {
      const detail = redactUrl((err as Error).message.trim());
      const missing = /couldn't find remote ref/i.test(detail);
      throw new OrbitError(
        missing ? 'E_UNKNOWN_BRANCH' : 'E_FETCH_FAILED',
        missing
          ? `branch ${this.branch} not found in ${redactUrl(this.url)}`
          : `fetching ${redactUrl(this.url)} failed: ${detail}`,
        { url: redactUrl(this.url), branch: this.branch },
      );
    }
    const after = await this.head();
    return { before, after, changed: before !== after };
  }
}
