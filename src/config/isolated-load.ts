/**
 * Evaluating untrusted config off the daemon's thread: a worker (node:worker_threads) with a heap
 * limit, terminated when one load takes longer than the timeout. A runaway evaluation (doubling
 * constants, a huge flatten) then costs the worker, while the daemon keeps answering /healthz and
 * stopping on SIGTERM. The failure is a ConfigError whose code is E_EVAL_LIMIT, so the engine
 * records it as that commit's `commit-rejected` and goes on with the other services.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError, OrbitError } from '../util/errors.js';
import { WORKER_MARK, type LoadRequest, type LoadResponse } from './load-worker.js';
import { deployPath } from './paths.js';
import { ENV_PREFIX } from './render.js';
import type { ResolvedVariables, ServiceSpec } from './types.js';

export interface IsolationOptions {
  /** Longest evaluation of one service at one commit; default 10 s. */
  timeoutMs?: number;
  /** The worker's old-generation heap limit; default 256 MiB. */
  maxHeapMb?: number;
}

/** A load stopped at its limit: a ConfigError (commit-rejected) carrying the code E_EVAL_LIMIT. */
export class EvalLimitError extends ConfigError {
  override readonly code = 'E_EVAL_LIMIT';
}

/** The part of an environment a service's config may read: its `ORBIT_VAR_*` values. */
export function variableEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith(ENV_PREFIX)));
}

export interface LoadedConfig {
  spec: ServiceSpec;
  vars: ResolvedVariables;
}

interface InFlight {
  request: LoadRequest;
  /** Whether `abort()` may drop it: a new commit's load yes; the secrets an unwind needs, no. */
  abortable: boolean;
  resolve: (v: LoadedConfig) => void;
  reject: (e: Error) => void;
}

/**
 * In source mode (tsx) the worker runs load-worker.ts through tsx; from the bundle it loads the
 * bundle itself, whose load-worker module starts serving when it sees WORKER_MARK (the CLI's main
 * does not run in a worker).
 */
function workerEntry(): { entry: string; tsx: string | null } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { entry: here, tsx: null };
  // tsx's ESM entry (its CommonJS one cannot register the loader from an eval'd worker).
  const tsx =
    typeof import.meta.resolve === 'function'
      ? import.meta.resolve('tsx/esm/api')
      : pathToFileURL(
          createRequire(here)
            .resolve('tsx/esm/api')
            .replace(/\.cjs$/, '.mjs'),
        ).href;
  return { entry: new URL('./load-worker.ts', here).href, tsx };
}

const BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})();
`;

export class IsolatedLoader {
  private worker: Worker | null = null;
  private readonly queue: InFlight[] = [];
  private current: (InFlight & { timer: NodeJS.Timeout; since: string }) | null = null;
  private nextId = 1;
  private ready = false;
  private closed = false;
  readonly timeoutMs: number;
  readonly maxHeapMb: number;

  constructor(options: IsolationOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxHeapMb = options.maxHeapMb ?? 256;
  }

  /** The load in flight: which service at which commit, since when (ISO time); null when idle. */
  evaluating(): { service: string; commit: string; since: string } | null {
    const c = this.current;
    return c ? { service: c.request.service, commit: c.request.ref, since: c.since } : null;
  }

  load(request: Omit<LoadRequest, 'id'>, options: { abortable?: boolean } = {}): Promise<LoadedConfig> {
    if (this.closed) return Promise.reject(new OrbitError('E_SHUTTING_DOWN', 'the config loader is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        request: { ...request, id: this.nextId++ },
        abortable: options.abortable ?? true,
        resolve,
        reject,
      });
      this.pump();
    });
  }

  /**
   * Drops the abortable loads at once, queued and in flight (the worker is stopped, a new one
   * serves what remains): they fail with E_SHUTTING_DOWN, not as a rejection of their commits.
   */
  async abort(): Promise<void> {
    await this.drop((q) => q.abortable);
  }

  /** Drops every load and stops the worker for good. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drop(() => true);
  }

  private async drop(which: (q: InFlight) => boolean): Promise<void> {
    const stopped = new OrbitError('E_SHUTTING_DOWN', 'stopped while evaluating config');
    const kept = this.queue.filter((q) => !which(q));
    for (const q of this.queue.filter(which)) q.reject(stopped);
    this.queue.splice(0, this.queue.length, ...kept);
    if (this.current && which(this.current)) {
      this.finish()!.reject(stopped);
      await this.stopWorker();
    }
    if (this.closed) await this.stopWorker();
    else this.pump();
  }

  /** A new worker is sent loads once it has loaded its modules: start-up is not evaluation time. */
  private start(): void {
    if (this.worker) return;
    const { entry, tsx } = workerEntry();
    const w = new Worker(BOOT, {
      eval: true,
      workerData: { [WORKER_MARK]: true, entry, tsx },
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
      stdout: false,
      stderr: false,
    });
    this.ready = false;
    w.on('message', (response: LoadResponse) => {
      if ('ready' in response && response.ready) {
        this.ready = true;
        this.pump();
      } else this.answer(response);
    });
    w.on('error', (err) => this.died(err));
    w.on('exit', () => this.died(null));
    this.worker = w;
  }

  private pump(): void {
    if (this.current || this.closed || this.queue.length === 0) return;
    if (!this.worker) this.start();
    if (!this.ready) {
      this.worker!.ref();
      return;
    }
    const next = this.queue.shift()!;
    const timer = setTimeout(() => this.limit(`took longer than ${this.timeoutMs} ms`), this.timeoutMs);
    this.current = { ...next, timer, since: new Date().toISOString() };
    this.worker!.ref();
    this.worker!.postMessage(next.request);
  }

  private finish(): InFlight | null {
    const c = this.current;
    if (!c) return null;
    clearTimeout(c.timer);
    this.current = null;
    this.worker?.unref();
    return c;
  }

  private answer(response: LoadResponse): void {
    if ('ready' in response || !this.current || this.current.request.id !== response.id) return;
    const c = this.finish()!;
    if (response.ok) c.resolve({ spec: response.spec, vars: response.vars });
    else {
      const f = response.failure;
      c.reject(
        f.kind === 'config'
          ? f.diagnostics.some((d) => d.code === 'E_EVAL_LIMIT')
            ? new EvalLimitError(f.diagnostics)
            : new ConfigError(f.diagnostics)
          : f.kind === 'orbit'
            ? new OrbitError(f.code, f.message, f.data)
            : new OrbitError('E_INTERNAL', `config evaluation failed: ${f.message}`),
      );
    }
    this.pump();
  }

  /** The load in flight hit a limit: the worker is dropped (a new one serves the next load). */
  private limit(why: string): void {
    const c = this.finish();
    if (!c) return;
    void this.stopWorker();
    const file = deployPath(c.request.service);
    c.reject(
      new EvalLimitError([
        {
          file,
          line: 1,
          column: 1,
          code: 'E_EVAL_LIMIT',
          message: `evaluating service "${c.request.service}" at ${c.request.ref.slice(0, 12)} ${why}: stopped`,
        },
      ]),
    );
    this.pump();
  }

  /** Out of memory is the config's doing; any other death of the worker is Orbit's. */
  private died(err: Error | null): void {
    this.worker = null;
    if (!this.current) {
      // Died before it was ready: Orbit cannot evaluate at all; say so to whoever waits.
      const failed = new OrbitError(
        'E_INTERNAL',
        `the config evaluation worker did not start: ${err?.message ?? 'exited'}`,
      );
      for (const q of this.queue.splice(0)) q.reject(failed);
      return;
    }
    if ((err as NodeJS.ErrnoException | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      this.limit(`ran out of memory (limit ${this.maxHeapMb} MiB)`);
      return;
    }
    const c = this.finish()!;
    c.reject(
      new OrbitError('E_INTERNAL', `the config evaluation worker stopped: ${err?.message ?? 'exited'}`),
    );
    this.pump();
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (!w) return;
    w.removeAllListeners('exit');
    w.removeAllListeners('message');
    w.on('error', () => undefined);
    await w.terminate();
  }
}
