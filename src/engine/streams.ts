/**
 * Deploy streams: one job at a time per service, services in parallel up to a bound.
 * A service's waiting deploy jobs are either kept in order (`queue`) or replaced by the newest
 * (`supersede`: the replaced ones are handed to `onSkip` so they can be logged as skipped).
 * Unwind and redeploy jobs are never superseded: they wait their turn.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { DeployPolicy } from '../config/types.js';

export interface StreamJob<R> {
  service: string;
  /** Only `deploy` jobs can be superseded. */
  supersedable: boolean;
  run(): Promise<R>;
}

interface Waiting<R> {
  job: StreamJob<R>;
  resolve(value: R): void;
  reject(err: unknown): void;
}

export class ServiceStreams<R> {
  private readonly limit: LimitFunction;
  private readonly waiting = new Map<string, Waiting<R>[]>();
  private readonly busy = new Set<string>();
  /** Services whose job has started (a busy one that has not waits for a slot). */
  private readonly running = new Set<string>();
  private readonly idleWaiters: Array<() => void> = [];

  private draining = false;

  constructor(
    maxParallel: number,
    private readonly onSkip: (skipped: StreamJob<R>, by: StreamJob<R>) => Promise<R>,
    /** What a job dropped by `drain()` settles with (it may throw). */
    private readonly onDrop: (dropped: StreamJob<R>) => R = () => {
      throw new Error('dropped');
    },
  ) {
    this.limit = pLimit(Math.max(1, maxParallel));
  }

  /** Jobs waiting (not running), per service or in total: the queue depth metric. */
  depth(service?: string): number {
    if (service) return this.waiting.get(service)?.length ?? 0;
    // Jobs handed to the limiter but not started yet wait for a free slot: they count too.
    let n = this.limit.pendingCount;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  /** Jobs of a service not started yet: waiting behind its running one, or for a free slot. */
  waitingFor(service: string): number {
    const forSlot = this.busy.has(service) && !this.running.has(service) ? 1 : 0;
    return this.depth(service) + forSlot;
  }

  isBusy(service: string): boolean {
    return this.busy.has(service) || this.depth(service) > 0;
  }

  enqueue(job: StreamJob<R>, policy: DeployPolicy = 'queue'): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.draining) return this.drop({ job, resolve, reject });
      const queue = this.waiting.get(job.service) ?? [];
      if (policy === 'supersede' && job.supersedable) {
        // Latest commit wins: waiting deploys of this service are skipped, in order.
        for (const w of queue.filter((w) => w.job.supersedable)) {
          queue.splice(queue.indexOf(w), 1);
          this.onSkip(w.job, job).then(w.resolve, w.reject);
        }
      }
      queue.push({ job, resolve, reject });
      this.waiting.set(job.service, queue);
      this.pump(job.service);
    });
  }

  /** No job starts any more: waiting ones (and new ones) are dropped; running ones finish. */
  drain(): void {
    this.draining = true;
    for (const [service, queue] of this.waiting) {
      this.waiting.delete(service);
      for (const w of queue) this.drop(w);
    }
    this.checkIdle();
  }

  private drop(w: Waiting<R>): void {
    Promise.resolve()
      .then(() => this.onDrop(w.job))
      .then(w.resolve, w.reject);
  }

  /** Resolves once no job is waiting or running. */
  idle(): Promise<void> {
    if (this.busy.size === 0 && this.depth() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(service: string): void {
    if (this.busy.has(service)) return;
    const queue = this.waiting.get(service);
    const next = queue?.shift();
    if (!next) {
      this.waiting.delete(service);
      this.checkIdle();
      return;
    }
    this.busy.add(service);
    // A job waiting for a free slot when drain() came is dropped instead of started.
    this.limit(() => {
      if (this.draining) return Promise.resolve().then(() => this.onDrop(next.job));
      this.running.add(service);
      return next.job.run();
    })
      .then(next.resolve, next.reject)
      .finally(() => {
        this.running.delete(service);
        this.busy.delete(service);
        this.pump(service);
      });
  }

  private checkIdle(): void {
    if (this.busy.size > 0 || this.depth() > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
