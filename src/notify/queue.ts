/**
 * The delivery queue: nothing a receiver does reaches a deployment. `push` returns at once; each
 * target sends its jobs in order, one at a time, with exponential back-off between attempts. A job
 * that gives up (a 4xx, or the last retry failed) is reported through `onGiveUp` once per failing
 * streak of its target: the next success ends the streak.
 */
import { DeliveryError } from './send.js';

export interface DeliveryJob {
  target: string;
  /** What is being sent, for the log: `failed web-3`. */
  what: string;
  attempt(): Promise<void>;
}

export interface GiveUp {
  target: string;
  what: string;
  attempts: number;
  status: number | null;
  message: string;
  /** True for the first give-up of a streak: the one that is recorded. */
  firstOfStreak: boolean;
}

export interface QueueOptions {
  /** Attempts after the first; default 4. */
  retries?: number;
  /** First back-off; doubles per attempt, capped by maxDelayMs. Default 1 s and 60 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Jobs a target may hold; beyond, the oldest waiting one is dropped (and counted). Default 1000. */
  maxPending?: number;
  onGiveUp(g: GiveUp): void;
}

export interface TargetHealth {
  delivered: number;
  given_up: number;
  dropped: number;
  pending: number;
  /** Set while the target fails: since when, and the last error. */
  failing: { since: string; error: string; status: number | null } | null;
}

interface Lane {
  jobs: DeliveryJob[];
  running: boolean;
  health: TargetHealth;
}

export class DeliveryQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; wake(): void }>();
  private closed = false;

  constructor(private readonly options: QueueOptions) {}

  push(job: DeliveryJob): void {
    if (this.closed) return;
    const lane = this.lane(job.target);
    lane.jobs.push(job);
    if (lane.jobs.length > (this.options.maxPending ?? 1000)) {
      lane.jobs.shift();
      lane.health.dropped++;
    }
    lane.health.pending = lane.jobs.length;
    if (!lane.running) void this.drain(lane);
  }

  health(): Record<string, TargetHealth> {
    return Object.fromEntries([...this.lanes].map(([name, l]) => [name, { ...l.health }]));
  }

  /** Stops: waiting back-offs end now, queued jobs are dropped. */
  close(): void {
    this.closed = true;
    for (const l of this.lanes.values()) l.jobs.length = 0;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.wake();
    }
  }

  private lane(target: string): Lane {
    let lane = this.lanes.get(target);
    if (!lane) {
      lane = {
        jobs: [],
        running: false,
        health: { delivered: 0, given_up: 0, dropped: 0, pending: 0, failing: null },
      };
      this.lanes.set(target, lane);
    }
    return lane;
  }

  private async drain(lane: Lane): Promise<void> {
    lane.running = true;
    for (let job = lane.jobs.shift(); job; job = lane.jobs.shift()) {
      lane.health.pending = lane.jobs.length;
      await this.deliver(lane, job);
    }
    lane.running = false;
    lane.health.pending = 0;
  }

  private async deliver(lane: Lane, job: DeliveryJob): Promise<void> {
    const retries = this.options.retries ?? 4;
    for (let attempt = 0; ; attempt++) {
      try {
        await job.attempt();
        lane.health.delivered++;
        lane.health.failing = null;
        return;
      } catch (err) {
        const e = err instanceof DeliveryError ? err : new DeliveryError(String(err), true);
        if (e.retry && attempt < retries && !this.closed) {
          await this.sleep(this.delay(attempt));
          if (!this.closed) continue;
        }
        const firstOfStreak = lane.health.failing === null;
        lane.health.given_up++;
        lane.health.failing = {
          since: lane.health.failing?.since ?? new Date().toISOString(),
          error: e.message,
          status: e.status,
        };
        this.options.onGiveUp({
          target: job.target,
          what: job.what,
          attempts: attempt + 1,
          status: e.status,
          message: e.message,
          firstOfStreak,
        });
        return;
      }
    }
  }

  private delay(attempt: number): number {
    const base = this.options.baseDelayMs ?? 1000;
    return Math.min(base * 2 ** attempt, this.options.maxDelayMs ?? 60_000);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = {
        timer: setTimeout(() => {
          this.timers.delete(t);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.timers.add(t);
    });
  }
}

/** One line per target that is failing now, for `orbit status`. */
export function failingTargets(health: Record<string, TargetHealth>): string[] {
  return Object.entries(health)
    .filter(([, h]) => h.failing)
    .map(
      ([name, h]) =>
        `notify ${name}: failing since ${h.failing!.since} (${h.failing!.error}; ${h.given_up} given up)`,
    );
}
