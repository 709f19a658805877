/**
 * Turns "something may have changed" (a ref event, a webhook, the interval) into fetch + poll,
 * coalesced: triggers that arrive while a round runs cause exactly one more round. Failures
 * (unreachable remote, force-pushed branch) are recorded and logged, never thrown: the daemon
 * keeps serving and tries again on the next trigger.
 */
import type { Engine, JobOutcome } from '../engine/engine.js';
import { OrbitError } from '../util/errors.js';
import type { Logger } from './logger.js';
import type { DaemonMetrics } from './metrics.js';
import type { RemoteSync } from './remote-sync.js';

export interface SyncProblem {
  code: string;
  message: string;
  since: string;
}

export interface SyncStatus {
  branch: string;
  /** The branch commit last handed to the engine. */
  head: string | null;
  last_poll: string | null;
  last_fetch: string | null;
  /** Why the last round failed (E_CONFIG_REWRITTEN, E_FETCH_FAILED, ...), null when it worked. */
  error: SyncProblem | null;
}

export class SyncLoop {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly st: SyncStatus;
  /** Every job outcome's promise, so shutdown can wait for their logging. */
  private readonly pending = new Set<Promise<unknown>>();
  /** Told when the sync problem appears, changes or goes away (see ProblemWatch in degraded.ts). */
  onProblemChange?: () => void;

  constructor(
    private readonly engine: Engine,
    private readonly remote: RemoteSync | null,
    private readonly log: Logger,
    private readonly metrics: DaemonMetrics,
  ) {
    this.st = { branch: engine.branch, head: null, last_poll: null, last_fetch: null, error: null };
  }

  status(): SyncStatus {
    return structuredClone(this.st);
  }

  /** Asks for a round; returns when the round that covers this trigger has finished. */
  trigger(reason: string, fetch = true): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.log.debug({ reason }, 'sync requested');
    if (this.running) {
      this.again = true;
      this.fetchWanted ||= fetch;
      return this.running;
    }
    this.fetchWanted = fetch;
    const run = (async () => {
      do {
        this.again = false;
        const wantFetch = this.fetchWanted;
        this.fetchWanted = false;
        await this.round(wantFetch);
      } while (this.again && !this.stopped);
    })();
    this.running = run.finally(() => {
      this.running = null;
    });
    return this.running;
  }
  private fetchWanted = false;

  /** No more rounds; waits for the one running. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async round(fetch: boolean): Promise<void> {
    try {
      if (this.remote && fetch) {
        try {
          const r = await this.remote.fetch();
          this.metrics.fetch('ok');
          this.st.last_fetch = new Date().toISOString();
          if (r.changed) this.log.info({ before: r.before, after: r.after }, 'fetched new commits');
        } catch (err) {
          this.metrics.fetch('error');
          throw err;
        }
      }
      const polled = await this.engine.poll();
      this.st.head = polled.head;
      this.st.last_poll = new Date().toISOString();
      this.metrics.reconciled();
      if (this.st.error) {
        this.log.info({ resolved: this.st.error.code }, 'config branch readable again');
        this.st.error = null;
        this.onProblemChange?.();
      }
      if (polled.commits > 0) {
        this.log.info({ head: polled.head, commits: polled.commits }, `queued ${polled.commits} commit(s)`);
        this.track(polled.done);
      } else void this.heal();
    } catch (err) {
      const code = err instanceof OrbitError ? err.code : 'E_INTERNAL';
      const message = err instanceof Error ? err.message : String(err);
      this.metrics.pollError(code);
      if (this.st.error?.code !== code || this.st.error.message !== message) {
        this.st.error = { code, message, since: new Date().toISOString() };
        this.onProblemChange?.();
      }
      this.log.error({ code, err: code === 'E_INTERNAL' ? err : undefined }, message);
    }
  }

  /**
   * One self-heal pass (it does nothing unless orbit.hcl says `self_heal = true`): after a round
   * with nothing new, after the jobs a round queued, and after a redeploy through the API.
   */
  heal(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const p = this.engine.selfHeal().then(
      (results) => {
        for (const r of results) {
          const ok = r.action === 'deployed' && r.deployment?.status === 'succeeded';
          this.log[ok ? 'info' : 'warn'](
            {
              job: 'self-heal',
              service: r.service,
              deployment: r.deployment?.deploy_id ?? null,
              error: r.error,
            },
            `self-heal ${r.service}: ${r.message}`,
          );
        }
      },
      (err: unknown) => this.log.error({ err }, 'self-heal failed unexpectedly'),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  private track(done: Promise<JobOutcome[]>): void {
    const p = done.then(
      (outcomes) => {
        void this.heal();
        for (const o of outcomes) {
          const level = o.status === 'succeeded' || o.status === 'noop' ? 'info' : 'warn';
          this.log[level](
            {
              job: o.kind,
              service: o.service,
              deployment: o.deployId,
              commit: o.commit,
              status: o.status,
              error: o.error,
            },
            `${o.kind} ${o.deployId ?? o.service}: ${o.status}`,
          );
        }
      },
      (err: unknown) => this.log.error({ err }, 'a deployment job failed unexpectedly'),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits until the outcomes of every queued job have been logged. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
