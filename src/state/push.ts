import { EventEmitter } from 'node:events';
import { run } from '../git/run.js';
import { OrbitError } from '../util/errors.js';
import { maskUrlCredentials } from '../util/secrets.js';

export interface PushResult {
  ok: boolean;
  sha: string;
  error?: OrbitError;
}

/**
 * Pushes the state branch after appends without holding them up: one push at a time, and appends
 * made meanwhile coalesce into the next push of the newest head. Never forced: a rejected push
 * (the remote has diverged) is reported, not retried; transient failures retry with backoff.
 */
export class BranchPusher extends EventEmitter {
  lastPushError: OrbitError | null = null;
  lastPushed: string | null = null;
  private wanted: string | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly gitdir: string,
    private readonly remote: string,
    private readonly branch: string,
    private readonly retries = 3,
    private readonly baseDelayMs = 250,
  ) {
    super();
  }

  schedule(sha: string): void {
    this.wanted = sha;
    if (!this.running) this.running = this.loop().finally(() => (this.running = null));
  }

  /** Resolves once the newest scheduled head has been pushed (or given up on). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.wanted && this.wanted !== this.lastPushed) {
      const sha = this.wanted;
      const result = await this.pushOnce(sha);
      if (result.ok) {
        this.lastPushed = sha;
        this.lastPushError = null;
      } else {
        this.lastPushError = result.error ?? null;
        if (this.wanted === sha) this.wanted = null;
      }
      this.emit('push', result);
    }
  }

  private async pushOnce(sha: string): Promise<PushResult> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      try {
        await run(['push', '--porcelain', this.remote, `${sha}:refs/heads/${this.branch}`], {
          gitDir: this.gitdir,
          cwd: this.gitdir,
          remote: true,
          errorCode: 'E_STATE_PUSH_FAILED',
          redact: maskUrlCredentials,
        });
        return { ok: true, sha };
      } catch (err) {
        last = err;
        // --porcelain reports a rejected ref on stdout, git's reason on stderr.
        const text = `${String((err as Error).message ?? err)}\n${String((err as OrbitError).data?.stdout ?? '')}`;
        if (/\[rejected\]|non-fast-forward|fetch first|\(stale info\)/.test(text)) {
          return {
            ok: false,
            sha,
            error: new OrbitError(
              'E_STATE_PUSH_REJECTED',
              `push of ${this.branch} to ${this.remote} was rejected (the remote branch has diverged); not forcing`,
              { remote: this.remote, branch: this.branch, sha, detail: text },
            ),
          };
        }
        if (attempt < this.retries) await new Promise((r) => setTimeout(r, this.baseDelayMs * 2 ** attempt));
      }
    }
    return {
      ok: false,
      sha,
      error: new OrbitError(
        'E_STATE_PUSH_FAILED',
        `push of ${this.branch} to ${this.remote} failed after ${this.retries + 1} attempts`,
        { remote: this.remote, branch: this.branch, sha, detail: String((last as Error)?.message ?? last) },
      ),
    };
  }
}
