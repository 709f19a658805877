/**
 * Evaluating config in a child process (the config evaluator, load-worker.ts) with a heap limit,
 * killed when one evaluation takes longer than the timeout. A runaway evaluation (doubling
 * constants, a huge flatten) then costs that process, while the daemon keeps answering /healthz and
 * stopping on SIGTERM. The failure is a ConfigError whose code is E_EVAL_LIMIT, so the engine
 * records it as that commit's `commit-rejected` and goes on with the other services.
 *
 * A process, not a worker thread: once the HCL parser's WebAssembly is in a process, each
 * `spawn()` there blocks its event loop 5–12 ms instead of about 1 ms (fork copies its address
 * space, which a worker thread shares; `npm run bench -- spawn-cost`). The engine spawns every agent
 * and git process, so the parser stays out of it. Files are read here, in the engine's process;
 * the evaluator only parses and evaluates the texts it is sent, and sees no environment but the
 * request's `ORBIT_VAR_*` values.
 */
import type { ChildProcess } from 'node:child_process';
import { ConfigError, OrbitError } from '../util/errors.js';
import { CLI_START, forkEvaluator, takePrestarted, type EvaluatorStart } from './evaluator-process.js';
import {
  readRepoSettingsSource,
  readServiceSources,
  repoSettingsFromSource,
  type SourceTexts,
} from './load.js';
import type { EvaluatorRequest, EvaluatorResponse } from './load-worker.js';
import { ORBIT_FILE, deployPath } from './paths.js';
import { ENV_PREFIX } from './render.js';
import type { RepoSettings, ResolvedVariables, ServiceSpec } from './types.js';

export interface IsolationOptions {
  /** Longest evaluation of one service at one commit; default 10 s (Infinity: none). */
  timeoutMs?: number;
  /** The evaluator's old-generation heap limit; default 256 MiB (null: Node's own). */
  maxHeapMb?: number | null;
  /** What the evaluator's start favours (see EvaluatorStart); default 'warm'. */
  favour?: EvaluatorStart['favour'];
}

/**
 * The CLI's evaluation: out of its process like the daemon's, but with no limits, as before, and
 * started for a fast first parse (src/cli/main.ts may have started it already: CLI_START).
 */
export const UNBOUNDED: IsolationOptions = { timeoutMs: Infinity, ...CLI_START };

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

/** Which service's config to load, at which commit. */
export interface LoadRequest {
  repoDir: string;
  service: string;
  ref: string;
  knownAgents?: string[];
  /** Only the ORBIT_VAR_* entries of the engine's environment (see `variableEnv`). */
  env: Record<string, string | undefined>;
  /** The texts at `ref`, when the caller has read them already (else they are read here). */
  sources?: SourceTexts;
}

type Request = EvaluatorRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

interface InFlight {
  request: Request;
  /** For `evaluating()` and the E_EVAL_LIMIT message. */
  what: { service: string; file: string; commit: string };
  /** Whether `abort()` may drop it: a new commit's load yes; the secrets an unwind needs, no. */
  abortable: boolean;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** Node's last words when a heap limit is reached (it aborts, so no error event says so). */
const OUT_OF_MEMORY = /heap out of memory|Reached heap limit/;

export class IsolatedLoader {
  private child: ChildProcess | null = null;
  /** The child's stderr since it started (its tail): how it died. */
  private stderr = '';
  private readonly queue: InFlight[] = [];
  private current: (InFlight & { id: number; timer: NodeJS.Timeout | null; since: string }) | null = null;
  private nextId = 1;
  private ready = false;
  private closed = false;
  readonly timeoutMs: number;
  readonly maxHeapMb: number | null;
  private readonly favour: EvaluatorStart['favour'];

  constructor(options: IsolationOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxHeapMb = options.maxHeapMb === undefined ? 256 : options.maxHeapMb;
    this.favour = options.favour ?? 'warm';
  }

  /** The service load in flight: which service at which commit, since when (ISO time); else null. */
  evaluating(): { service: string; commit: string; since: string } | null {
    const c = this.current;
    return c?.what.service ? { service: c.what.service, commit: c.what.commit, since: c.since } : null;
  }

  /** A service's config at a commit, its variables resolved and trial-rendered; throws ConfigError. */
  async load(request: LoadRequest, options: { abortable?: boolean } = {}): Promise<LoadedConfig> {
    return (await this.service(request, true, options.abortable ?? true)) as LoadedConfig;
  }

  /** A service's spec alone (what an unwind reads its sensitive variables from); never aborted. */
  async spec(request: Omit<LoadRequest, 'env'>): Promise<ServiceSpec> {
    return (await this.service({ ...request, env: {} }, false, false)) as ServiceSpec;
  }

  /** orbit.hcl's settings at `ref`; without an orbit.hcl the defaults, evaluated by nobody. */
  async settings(repoDir: string, ref: string): Promise<RepoSettings> {
    this.assertOpen();
    const text = await readRepoSettingsSource(repoDir, ref);
    if (text === null) return repoSettingsFromSource(null);
    const what = { service: '', file: ORBIT_FILE, commit: ref };
    return (await this.enqueue({ op: 'settings', text }, what, true)) as RepoSettings;
  }

  /** Starts the evaluator ahead of the first load (its start-up overlaps the caller's own work). */
  async warmUp(): Promise<void> {
    await this.enqueue({ op: 'settings', text: '' }, { service: '', file: ORBIT_FILE, commit: '' }, true);
  }

  /**
   * Drops the abortable loads at once, queued and in flight (the evaluator is killed, a new one
   * serves what remains): they fail with E_SHUTTING_DOWN, not as a rejection of their commits.
   */
  async abort(): Promise<void> {
    await this.drop((q) => q.abortable);
  }

  /** Drops every load and stops the evaluator for good. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drop(() => true);
  }

  private async service(request: LoadRequest, check: boolean, abortable: boolean): Promise<unknown> {
    this.assertOpen();
    // Read here: the evaluator's time budget is evaluation time, and it needs no repository.
    const sources =
      request.sources ?? (await readServiceSources(request.repoDir, request.service, request.ref));
    const what = { service: request.service, file: deployPath(request.service), commit: request.ref };
    const { service, ref, knownAgents, env } = request;
    return this.enqueue({ op: 'service', service, ref, sources, knownAgents, env, check }, what, abortable);
  }

  private assertOpen(): void {
    if (this.closed) throw new OrbitError('E_SHUTTING_DOWN', 'the config loader is closed');
  }

  private enqueue(request: Request, what: InFlight['what'], abortable: boolean): Promise<unknown> {
    this.assertOpen();
    return new Promise((resolve, reject) => {
      this.queue.push({ request, what, abortable, resolve, reject });
      this.pump();
    });
  }

  private async drop(which: (q: InFlight) => boolean): Promise<void> {
    const stopped = new OrbitError('E_SHUTTING_DOWN', 'stopped while evaluating config');
    const kept = this.queue.filter((q) => !which(q));
    for (const q of this.queue.filter(which)) q.reject(stopped);
    this.queue.splice(0, this.queue.length, ...kept);
    if (this.current && which(this.current)) {
      this.finish()!.reject(stopped);
      await this.stopChild();
    }
    if (this.closed) await this.stopChild();
    else this.pump();
  }

  /** A new evaluator is sent loads once it has loaded its modules: start-up is not evaluation time. */
  private start(): void {
    if (this.child) return;
    const how: EvaluatorStart = { maxHeapMb: this.maxHeapMb, favour: this.favour };
    const started = takePrestarted(how) ?? { child: forkEvaluator(how), ready: false, stderr: '' };
    const { child } = started;
    this.stderr = started.stderr;
    child.stderr!.on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-4096)));
    this.ready = started.ready;
    child.on('message', (response: EvaluatorResponse) => {
      if (child !== this.child) return;
      if ('ready' in response && response.ready) {
        this.ready = true;
        this.pump();
      } else this.answer(response);
    });
    child.on('error', (err) => child === this.child && this.died(err));
    // 'close': stderr is read to its end, so an out-of-memory death can be told from others.
    child.on('close', (code, signal) => child === this.child && this.died(null, code, signal));
    this.child = child;
  }

  /** Busy: the evaluator keeps this process alive; idle: it does not. */
  private hold(busy: boolean): void {
    const c = this.child;
    if (!c) return;
    const handles = [c, c.channel, c.stderr] as Array<{ ref?(): void; unref?(): void } | null | undefined>;
    for (const h of handles) (busy ? h?.ref : h?.unref)?.call(h);
  }

  private pump(): void {
    if (this.current || this.closed || this.queue.length === 0) return;
    if (!this.child) this.start();
    this.hold(true);
    if (!this.ready) return;
    const next = this.queue.shift()!;
    const id = this.nextId++;
    const timer = Number.isFinite(this.timeoutMs)
      ? setTimeout(() => this.limit(`took longer than ${this.timeoutMs} ms`), this.timeoutMs)
      : null;
    this.current = { ...next, id, timer, since: new Date().toISOString() };
    this.child!.send({ ...next.request, id } as EvaluatorRequest);
  }

  private finish(): InFlight | null {
    const c = this.current;
    if (!c) return null;
    if (c.timer) clearTimeout(c.timer);
    this.current = null;
    this.hold(false);
    return c;
  }

  private answer(response: EvaluatorResponse): void {
    if ('ready' in response || !this.current || this.current.id !== response.id) return;
    const c = this.finish()!;
    if (response.ok) c.resolve(response.value);
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

  /** The load in flight hit a limit: the evaluator is killed (a new one serves the next load). */
  private limit(why: string): void {
    const c = this.finish();
    if (!c) return;
    void this.stopChild();
    const { service, file, commit } = c.what;
    const subject = service ? `service "${service}"` : file;
    c.reject(
      new EvalLimitError([
        {
          file,
          line: 1,
          column: 1,
          code: 'E_EVAL_LIMIT',
          message: `evaluating ${subject} at ${commit.slice(0, 12)} ${why}: stopped`,
        },
      ]),
    );
    this.pump();
  }

  /** Out of memory is the config's doing; any other death of the evaluator is Orbit's. */
  private died(err: Error | null, code?: number | null, signal?: NodeJS.Signals | null): void {
    this.child = null;
    const wasReady = this.ready;
    this.ready = false;
    const how = err?.message ?? (signal ? `killed by ${signal}` : `exited with ${code}`);
    if (!this.current) {
      if (wasReady) {
        this.pump(); // died idle (killed from outside?): the next load starts a new one
        return;
      }
      // Died before it was ready: Orbit cannot evaluate at all; say so to whoever waits.
      const failed = new OrbitError('E_INTERNAL', `the config evaluator did not start: ${how}`, {
        stderr: this.stderr.slice(-1000),
      });
      for (const q of this.queue.splice(0)) q.reject(failed);
      return;
    }
    if (OUT_OF_MEMORY.test(this.stderr)) {
      this.limit(`ran out of memory (limit ${this.maxHeapMb ?? 'Node default'} MiB)`);
      return;
    }
    const c = this.finish()!;
    c.reject(new OrbitError('E_INTERNAL', `the config evaluator stopped: ${how}`));
    this.pump();
  }

  private async stopChild(): Promise<void> {
    const c = this.child;
    this.child = null;
    this.ready = false;
    if (!c) return;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((resolve) => c.once('exit', resolve));
    c.ref(); // an idle evaluator is unref'd: its exit must still be awaited
    c.kill('SIGKILL');
    await gone;
  }
}
