/**
 * The engine: turns config commits into deployments and runs unwinds and redeploys, one job at a
 * time per service. `reconcile()` is the one-shot GitOps trigger; the daemon calls the same
 * methods as commits arrive.
 */
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import pLimit from 'p-limit';
import type { AckBroker } from '../agents/ack-broker.js';
import { listServices, readServiceSources, type SourceTexts } from '../config/load.js';
import { mayDeclareSchedule } from '../config/schedule-mention.js';
import { IsolatedLoader, UNBOUNDED, variableEnv, type IsolationOptions } from '../config/isolated-load.js';
import { availableSecrets, recordsSecrets } from './secrets-at-unwind.js';
import type { ResolvedVariables } from '../config/types.js';
import type { DependencyScope, RepoSettings, ScheduleSpec, ServiceSpec } from '../config/types.js';
import { dependencyScope, renamedSecrets } from './dependency-scope.js';
import { ConfigHistory } from '../git/config-history.js';
import { openStateLog, type StateSigning } from '../state/index.js';
import type { DeploymentRecord, LogEntry, StateLog } from '../state/types.js';
import type { PushResult } from '../state/index.js';
import { ConfigError, OrbitError, formatDiagnostic, isOrbitError } from '../util/errors.js';
import type { Secret } from '../util/secrets.js';
import { newEntry } from '../state/index.js';
import { approve, type Approver } from './approval.js';
import {
  executeDeploy,
  executeUnwind,
  mustRead,
  write,
  type AgentLookup,
  type ExecutorDeps,
} from './executor.js';
import { recoverDeployment } from './recovery.js';
import { deploymentId, serviceOfDeployment } from './ids.js';
import { sequenceOf } from '../state/paths.js';
import { CommitJob, type CommitJobHost, type DeployExtras } from './commit-job.js';
import { outcomeOf, type JobOutcome } from './outcome.js';
import { previousForNew, redeployTarget, unwindTarget } from '../state/chain/index.js';
import { servicesAtSharedChanges } from './shared-deploy.js';
import { planCommits, planFirstRun, supersededInBatch, type PlannedCommit } from './reconcile-plan.js';
import type { ServiceStatus } from './status.js';
import { gatherFacts } from './status/facts.js';
import { BranchFacts } from './status/branch-facts.js';
import { factsSourceOf, MemoryState } from './status/memory-state.js';
import { StatusBoard } from './status/status-board.js';
import { releaseHold } from './holds.js';
import { HealBackoff, SELF_HEAL_AUTHOR, backoffMs, wantsHeal } from './self-heal.js';
import { runSync, type SyncRequest, type SyncResult, type SyncWhy } from './sync.js';
import { ServiceStreams } from './streams.js';
import { DependencyGates, orderCommitJobs, rejectBadDependencies } from './dependency-gates.js';
import { dependentsToUnwind, type CurrentOf } from './dependency-order.js';
import { deployWaiting, dueNow } from './schedule/waiting.js';
import { unwindApproved } from './unwind-approval.js';
import { SigningPolicy, type SignatureCheck } from './signing-policy.js';

export type { JobOutcome, OutcomeStatus } from './outcome.js';
export type { SyncRequest, SyncResult } from './sync.js';

/** Services of one commit loaded at once before their jobs are queued. */
const LOADS_AT_ONCE = 16;

export interface EngineOptions {
  /** The config repository (a local path). */
  repoDir: string;
  /** The watched branch; default `main`. */
  branch?: string;
  /** Default `orbit/state`. */
  stateBranch?: string;
  /** Repository holding the state branch; default the config repository. */
  stateDir?: string;
  /** Push the state branch here after each write. */
  statePush?: string;
  /** Called after each push attempt of the state branch (with `statePush`). */
  onStatePush?: (result: PushResult) => void;
  /** How many services deploy at once; default 4. */
  maxParallel?: number;
  agents: AgentLookup & { kinds?(): string[]; cleanup?(): Promise<unknown> };
  /** Where `ORBIT_VAR_<name>` values (secrets) come from; default process.env. */
  env?: Record<string, string | undefined>;
  readOnly?: boolean;
  observe?(entry: LogEntry): void;
  now?(): Date;
  /** Where `ack` steps wait; `Engine.ack` approves them. */
  acks?: AckBroker;
  /** Who pushed a config commit, where known (the daemon's push webhooks): they may not approve it. */
  pushedBy?(commit: string): string | null;
  /** Signed state commits (key, allowed signers); see docs/state-log.md. */
  stateSigning?: StateSigning;
  /**
   * The limits of config evaluation (the daemon's); default none. Config is always evaluated in a
   * child process (src/config/isolated-load.ts), so this process, which spawns agents, stays small.
   */
  evalIsolation?: IsolationOptions;
  /**
   * Keep the log's projection in memory (the daemon, the branch's only writer): status and the
   * views are read from it, not from git (status/memory-state.ts). Not with `readOnly`.
   */
  stateInMemory?: boolean;
}

export interface PollOptions {
  /** The branch was rewritten under the cursor: deploy what the new history says, once. */
  acceptRewrite?: boolean;
}

export interface PollResult {
  head: string;
  /** Commits queued by this call. */
  commits: number;
  /** Settles when their jobs have finished. */
  done: Promise<JobOutcome[]>;
}

export interface ReconcileReport {
  head: string | null;
  commits: number;
  outcomes: JobOutcome[];
}

/** Retries in a row of a deployment Orbit was stopped in, before it waits for a person. */
export const MAX_RETRIES = 2;

/**
 * `settings { max_parallel = N }` in orbit.hcl at the branch head; 4 when it is absent or the
 * branch has no commit yet. An orbit.hcl that does not load stops a writer with its diagnostics
 * (E_CONFIG_INVALID) rather than running with settings nobody wrote.
 */
async function configuredParallel(options: EngineOptions, loader: IsolatedLoader): Promise<number> {
  // Readers never deploy: their parallelism is never used.
  if (options.readOnly) return 4;
  try {
    const settings = await loader.settings(options.repoDir, options.branch ?? 'main');
    return settings.maxParallel ?? 4;
  } catch (err) {
    if (isOrbitError(err, 'E_UNKNOWN_REF')) return 4;
    throw err;
  }
}

/** A sync that did not run, and why (the error's code and message). */
function notSynced(service: string, err: unknown): SyncResult {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof OrbitError ? err.code : 'E_INTERNAL';
  return { service, action: 'nothing', message, released: false, deployment: null, error: { code, message } };
}

/** Who asked, when a person runs the CLI: `$ORBIT_USER`, else `user@host`. */
export function cliAuthor(env: Record<string, string | undefined> = process.env): string {
  return env.ORBIT_USER || `${os.userInfo().username}@${os.hostname()}`;
}

export class Engine implements CommitJobHost {
  readonly history: ConfigHistory;
  readonly branch: string;
  /** What status reads from the branch, kept per branch head and cursor; the answers kept per service. */
  private readonly branchFacts: BranchFacts;
  private readonly statusBoard: StatusBoard;
  private readonly streams: ServiceStreams<JobOutcome>;
  private readonly gates = new DependencyGates(() => this.stopRequested);
  private readonly sequences = new Map<string, number>();
  private readonly deps: ExecutorDeps;
  /** The newest branch commit handed to the streams by `poll`. */
  private dispatched: string | null = null;
  private polling: Promise<unknown> = Promise.resolve();
  private cleanup: Promise<void> | undefined;
  /** `commit-seen` entries are written in branch order, across polls. */
  private cursorChain: Promise<void> = Promise.resolve();
  private markDrained!: () => void;
  /** Aborted by `stopNow()`: running agents are stopped. */
  /** Every running step listens to it (one listener each): as many as max_parallel, not a leak. */
  private readonly aborter = withoutListenerLimit(new AbortController());
  private stopRequested = false;
  private readonly drained = new Promise<void>((resolve) => (this.markDrained = resolve));

  private healRun: Promise<unknown> = Promise.resolve();
  private healNext: Promise<SyncResult[]> | null = null;
  private readonly healBackoff = new HealBackoff();
  private signing: SigningPolicy | undefined;

  private constructor(
    readonly options: EngineOptions,
    readonly state: StateLog,
    private readonly isolated: IsolatedLoader,
  ) {
    this.branch = options.branch ?? 'main';
    this.history = new ConfigHistory(options.repoDir);
    this.branchFacts = new BranchFacts(this.history);
    this.statusBoard = new StatusBoard(this.branchFacts);
    this.deps = {
      state,
      agents: options.agents,
      now: options.now ?? (() => new Date()),
      observe: options.observe,
      signal: this.aborter.signal,
      stopping: () => this.stopRequested,
    };
    this.streams = new ServiceStreams<JobOutcome>(
      options.maxParallel ?? 4,
      (skipped, by) => (skipped as CommitJob).skip((by as CommitJob).commitSha),
      (dropped) => {
        if (!(dropped instanceof CommitJob)) {
          throw new OrbitError('E_SHUTTING_DOWN', 'Orbit is shutting down: the request was not run', {
            service: dropped.service,
          });
        }
        return {
          kind: dropped.kind,
          service: dropped.service,
          deployId: null,
          commit: dropped.commitSha,
          status: 'deferred',
          error: null,
        };
      },
    );
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const loader = new IsolatedLoader(options.evalIsolation ?? UNBOUNDED);
    // A writer evaluates config soon: the evaluator starts while the state log opens.
    if (!options.readOnly) loader.warmUp().catch(() => undefined);
    let log: Awaited<ReturnType<typeof openStateLog>>;
    try {
      log = await openStateLog({
        dir: options.stateDir ?? options.repoDir,
        branch: options.stateBranch,
        pushRemote: options.statePush,
        onPush: options.onStatePush,
        readOnly: options.readOnly,
        signing: options.stateSigning,
      });
    } catch (err) {
      await loader.close();
      throw err;
    }
    let state: StateLog = log;
    let maxParallel: number;
    try {
      if (options.stateInMemory && !options.readOnly) state = await MemoryState.load(log);
      maxParallel = options.maxParallel ?? (await configuredParallel(options, loader));
    } catch (err) {
      await loader.close();
      await state.close();
      throw err;
    }
    return new Engine({ ...options, maxParallel }, state, loader);
  }

  async close(): Promise<void> {
    await this.streams.idle();
    await this.isolated.close();
    await this.state.close();
  }

  /** Jobs waiting behind a running one, for the queue-depth metric. */
  queueDepth(): number {
    return this.streams.depth();
  }

  idle(): Promise<void> {
    return this.streams.idle();
  }

  /** The config evaluation in flight in the evaluator process (null when idle). */
  evaluating(): { service: string; commit: string; since: string } | null {
    return this.isolated.evaluating();
  }

  /**
   * Stops the config evaluator at once (SIGTERM must not wait for a runaway evaluation):
   * a load in flight fails with E_SHUTTING_DOWN, its commit is not marked seen, and the next start
   * evaluates it again. Later loads (an unwind's secrets) start a new evaluator.
   */
  async stopEvaluations(): Promise<void> {
    await this.isolated.abort();
  }

  /**
   * Stops starting work: jobs still waiting are dropped (outcome `deferred`), running ones go on
   * to their end. A dropped commit's cursor is not written, so the next start picks it up again.
   * The daemon calls this on SIGTERM, then waits for `idle()`.
   */
  drain(): void {
    this.markDrained();
    this.streams.drain();
  }

  /**
   * A first Ctrl-C: nothing new starts; running steps finish and are recorded, then each
   * deployment or unwind stops before its next step and stays in flight for recovery.
   */
  interrupt(): void {
    this.stopRequested = true;
    this.drain();
  }

  /** A second Ctrl-C: the running agents are stopped; their steps are recorded as interrupted. */
  stopNow(): void {
    this.interrupt();
    this.aborter.abort();
  }

  // ---- one-shot reconcile -------------------------------------------------------------

  /** Resolves what a crash left in flight, then runs every pending commit to completion. */
  async reconcile(options: PollOptions = {}): Promise<ReconcileReport> {
    const outcomes = await this.recover();
    const polled = await this.poll(options);
    outcomes.push(...(await polled.done));
    outcomes.push(...(await this.openWindows()));
    return { head: polled.head, commits: polled.commits, outcomes };
  }

  /**
   * Hands the commits that arrived since the last call to the deploy streams and returns once
   * they are queued; `done` settles when their jobs have finished. Calls are serialised, so
   * commits are always queued in branch order. The daemon calls this on every ref change.
   */
  poll(options: PollOptions = {}): Promise<PollResult> {
    const run = this.polling.then(() => this.pollNow(options));
    this.polling = run.catch(() => undefined);
    return run;
  }

  private async pollNow(options: PollOptions): Promise<PollResult> {
    const head = await this.history.resolve(this.branch);
    if (!head) {
      throw new OrbitError('E_UNKNOWN_BRANCH', `branch ${this.branch} not found in ${this.options.repoDir}`, {
        branch: this.branch,
      });
    }
    if (head === this.dispatched) return { head, commits: 0, done: Promise.resolve([]) };
    const planned = await this.pending(head, this.dispatched, options);
    const { done } = await this.dispatch(planned);
    this.dispatched = head;
    return { head, commits: planned.length, done };
  }

  /** The commits on the branch after `since` (default: the log's cursor), planned into jobs. */
  async pending(head: string, since?: string | null, options: PollOptions = {}): Promise<PlannedCommit[]> {
    const cursor = since ?? (await this.state.cursor());
    if (cursor === head) return [];
    if (!cursor) return this.planAtHead(head, await listServices(this.options.repoDir, head), null);
    if (await this.history.isAncestor(cursor, head)) {
      const commits = await this.history.commitsBetween(cursor, head);
      return planCommits(commits, await servicesAtSharedChanges(this.history, commits));
    }
    if (!options.acceptRewrite) {
      throw new OrbitError(
        'E_CONFIG_REWRITTEN',
        `branch ${this.branch} no longer contains ${cursor.slice(0, 12)}, the last commit Orbit processed: it was rewritten or force-pushed. Push the old history back, or run \`orbit reconcile --accept-rewrite\` to deploy what the new history says`,
        { cursor, head },
      );
    }
    // Accepting a rewritten history: the services whose config at the new head differs from what
    // is deployed deploy once, at the newest commit that touched them; nothing else runs. A held
    // service stays held: unwound stays unwound until someone releases it.
    const differ = (await gatherFacts(factsSourceOf(this.state), this.branchFacts, head))
      .filter((f) => f.inBranch && !f.configMatches && !f.view?.hold)
      .map((f) => f.service);
    return this.planAtHead(head, differ, `rewritten history accepted (was at ${cursor.slice(0, 12)})`);
  }

  /** Each service once, at the newest commit at or before `head` that touched it. */
  private async planAtHead(
    head: string,
    services: string[],
    reason: string | null,
  ): Promise<PlannedCommit[]> {
    const headCommit = await this.history.commit(head);
    const last = await this.history.lastCommitsTouching(head, services);
    const commits = new Map([[head, headCommit]]);
    for (const c of await this.history.commits([...new Set(last.values())])) commits.set(c.sha, c);
    const touching = services.map((service) => ({
      service,
      commit: commits.get(last.get(service) ?? head)!,
    }));
    return planFirstRun(headCommit, touching, reason);
  }

  /**
   * Queues planned commits in order; `done` settles with their outcomes. The cursor
   * (`commit-seen`) moves past a commit only once each of its jobs has started, so a crash never
   * loses a commit; on restart, jobs whose service already started that commit (or a later one
   * of the batch) are not run twice.
   */
  private async dispatch(planned: readonly PlannedCommit[]): Promise<{ done: Promise<JobOutcome[]> }> {
    const order = new Map(planned.map((p, i) => [p.commit.sha, i]));
    const results: Array<Promise<JobOutcome>> = [];
    let written: Promise<void> = Promise.resolve();
    const batch = planned.map((p, index) => ({
      commit: p.commit,
      jobs: p.jobs.map((job) => new CommitJob(this, job, order, index)),
    }));
    // Loading first (in parallel per commit, a few at a time: each holds its files and parse, and
    // a first run may load 10,000 services) tells each job its service's policy.
    const loading = pLimit(LOADS_AT_ONCE);
    for (const b of batch) await Promise.all(b.jobs.map((j) => loading(() => j.prepare())));
    await rejectBadDependencies(
      this,
      batch.flatMap((b) => b.jobs),
    );
    const replaced = supersededInBatch(batch.flatMap((b) => b.jobs));
    const batchNo = this.gates.newBatch();
    for (const [index, { commit, jobs }] of batch.entries()) {
      // Dependencies first (depends_on), dependents' unwinds before their dependencies'.
      for (const { job, after } of await orderCommitJobs(this, jobs)) {
        const by = replaced.get(job);
        // A skip is logged before anything later is queued: sequence numbers follow branch order.
        results.push(
          by
            ? Promise.resolve(await job.skip(by.commitSha))
            : this.gates.schedule(job, after, batchNo, () => this.streams.enqueue(job, job.policy)),
        );
      }
      const started = jobs.map((j) => j.started);
      written = this.cursorChain
        .then(() => Promise.all(started))
        .then(() =>
          this.write(
            newEntry('commit-seen', '', this.now(), {
              config_commit: commit.sha,
              author: commit.author,
              reason: planned[index]!.reason ?? null,
            }),
          ),
        );
      // A failed cursor write is this batch's error (done rejects); later commits still move it.
      this.cursorChain = written.catch(() => undefined);
    }
    const cursorWritten = written;
    const done = Promise.all(results).then(async (outcomes) => {
      // Jobs dropped by drain() never start, so their commits' cursor is never written: on a
      // restart they are read again. Do not wait for it then.
      await Promise.race([cursorWritten, this.drained]);
      return outcomes;
    });
    return { done };
  }

  /** Each service: synced with the branch or not (why), healthy or not (what is going on), held. */
  async status(): Promise<ServiceStatus[]> {
    const head = await this.history.resolve(this.branch);
    return this.statusBoard.statuses(factsSourceOf(this.state), head, {
      queued: (service) => this.streams.waitingFor(service),
      waitingAck: (deployId) => this.options.acks?.waiting(deployId) ?? null,
      now: () => this.now(),
    });
  }

  // ---- user actions -------------------------------------------------------------------

  /**
   * Unwinds a service's current deployment (or the named one, which must be current). Refused
   * (E_HAS_DEPENDENTS) while current deployments that depend on it were deployed after it, unless
   * `withDependents`: then those are unwound first, dependents of dependents before them.
   */
  async unwind(
    target: string,
    author: string,
    opts: { inDoubtDone?: boolean; verifiedBy?: string | null; withDependents?: boolean } = {},
  ): Promise<DeploymentRecord> {
    const service = await this.serviceOf(target);
    const dependents = await this.dependentsOf(service);
    if (dependents.length > 0 && !opts.withDependents) {
      throw new OrbitError(
        'E_HAS_DEPENDENTS',
        `${service}: ${dependents.join(', ')} ${dependents.length === 1 ? 'depends' : 'depend'} on it and ${dependents.length === 1 ? 'was' : 'were'} deployed after its current deployment; unwind ${dependents.length === 1 ? 'it' : 'them'} first, or run \`orbit unwind ${target} --with-dependents\``,
        { service, dependents },
      );
    }
    for (const dependent of dependents) {
      const d = await this.unwindOne(dependent, dependent, author, { verifiedBy: opts.verifiedBy });
      // A dependent that did not unwind stops here: its dependency stays as it is.
      if (d.status !== 'unwound') return d;
    }
    return this.unwindOne(service, target, author, opts);
  }

  /** The current deployments to unwind before `service`'s (dependency-order.ts decides). */
  private async dependentsOf(service: string): Promise<string[]> {
    const currents: CurrentOf[] = [];
    for (const v of await this.state.services()) {
      const d = v.current ? await this.state.deployment(v.current) : null;
      if (d)
        currents.push({
          service: v.service_id,
          deployId: d.deploy_id,
          startedTime: d.started_time,
          dependencies: d.dependencies ?? {},
        });
    }
    return dependentsToUnwind(service, currents);
  }

  private async unwindOne(
    service: string,
    target: string,
    author: string,
    opts: { inDoubtDone?: boolean; verifiedBy?: string | null },
  ): Promise<DeploymentRecord> {
    const outcome = await this.streams.enqueue({
      service,
      supersedable: false,
      run: async () =>
        outcomeOf('unwind', await this.unwindNow(service, target, author, 'user', null, undefined, opts)),
    });
    return mustRead(this.state, outcome.deployId!);
  }

  /** Re-applies the deployment that was unwound last, from its recorded config commit. */
  async redeploy(
    service: string,
    author: string,
    opts: { verifiedBy?: string | null } = {},
  ): Promise<DeploymentRecord> {
    await this.serviceOf(service);
    const outcome = await this.streams.enqueue({
      service,
      supersedable: false,
      run: async () => {
        const original = await mustRead(
          this.state,
          redeployTarget(service, await this.state.service(service)),
        );
        const commit = original.config_commit;
        if (!commit)
          throw new OrbitError('E_NOTHING_TO_REDEPLOY', `${original.deploy_id} has no config commit`, {
            service,
          });
        const loaded = await this.load(service, commit);
        await releaseHold(this, service, {
          author,
          verifiedBy: opts.verifiedBy,
          why: 'orbit redeploy',
          commit,
        });
        return outcomeOf(
          'redeploy',
          await this.deploy(service, commit, author, loaded.spec, loaded.vars, original.deploy_id, {
            verifiedBy: opts.verifiedBy,
          }),
        );
      },
    });
    return mustRead(this.state, outcome.deployId!);
  }

  /**
   * Starts the deployments whose schedule window is open now (the daemon calls this on a timer;
   * `reconcile` once): each service's waiting ones in order, in its stream.
   */
  async openWindows(): Promise<JobOutcome[]> {
    if (this.stopRequested) return [];
    const services = (await this.state.services()).filter((v) => (v.waiting ?? []).length > 0);
    const runs = services.map((v) =>
      this.streams.enqueue({
        service: v.service_id,
        supersedable: false,
        run: async () => {
          const outcomes: JobOutcome[] = [];
          for (const id of await dueNow(this, v.service_id)) outcomes.push(await deployWaiting(this, id));
          return (
            outcomes.at(-1) ?? {
              kind: 'deploy',
              service: v.service_id,
              deployId: null,
              commit: null,
              status: 'noop',
              error: null,
            }
          );
        },
      }),
    );
    // Services whose window is still closed did nothing: not an outcome.
    return (await Promise.all(runs)).filter((o) => o.status !== 'noop');
  }

  /**
   * Starts what waits for its window now, recorded (`window-overridden`) with who and why.
   * Identity hook: once roles exist, require role `admin` here.
   */
  async overrideWindow(
    service: string,
    author: string,
    reason: string,
    opts: { verifiedBy?: string | null } = {},
  ): Promise<DeploymentRecord> {
    await this.serviceOf(service);
    const outcome = await this.streams.enqueue({
      service,
      supersedable: false,
      run: async () => {
        const waiting = (await this.state.service(service))?.waiting ?? [];
        if (waiting.length === 0)
          throw new OrbitError('E_NOTHING_WAITING', `${service} has no deployment waiting for its window`, {
            service,
          });
        let last: JobOutcome | null = null;
        for (const id of waiting)
          last = await deployWaiting(this, id, { author, reason, verifiedBy: opts.verifiedBy });
        return last!;
      },
    });
    if (!outcome.deployId)
      throw new OrbitError('E_NOTHING_WAITING', `${service}: nothing started`, { service });
    return mustRead(this.state, outcome.deployId);
  }

  /**
   * Deploys what the branch head says for a service that is out of sync and not held (`release`:
   * lifts the hold first). Says so, and deploys nothing, when there is nothing to do.
   */
  async sync(service: string, author: string, req: SyncRequest = {}): Promise<SyncResult> {
    let result: SyncResult | undefined;
    await this.streams.enqueue({
      service,
      supersedable: false,
      run: async () => {
        result = await runSync(this, service, author, req);
        const d = result.deployment;
        return d
          ? outcomeOf('sync', d)
          : { kind: 'sync', service, deployId: null, commit: null, status: 'noop', error: result.error };
      },
    });
    return result!;
  }

  /**
   * `orbit sync --all`: each out-of-sync service, in parallel. One that is held (without
   * `release`) or needs a person is reported, not deployed, and does not stop the others.
   */
  async syncAll(author: string, req: SyncRequest = {}): Promise<SyncResult[]> {
    const services = (await this.status()).filter((s) => s.sync === 'out-of-sync').map((s) => s.service);
    return Promise.all(
      services.map((service) =>
        this.sync(service, author, req).catch((err: unknown): SyncResult => {
          if (!isOrbitError(err, 'E_SERVICE_HELD') && !isOrbitError(err, 'E_NEEDS_A_PERSON')) throw err;
          return notSynced(service, err);
        }),
      ),
    );
  }

  /** `orbit release`: lifts the service's hold and deploys the branch head (if it differs). */
  release(service: string, author: string, opts: { verifiedBy?: string | null } = {}): Promise<SyncResult> {
    return this.sync(service, author, { release: true, why: 'release', verifiedBy: opts.verifiedBy });
  }

  /**
   * One self-heal pass (the daemon runs one after each poll): with `self_heal = true` at the
   * branch head, syncs every service `wantsHeal` picks that is idle and past its back-off.
   */
  selfHeal(): Promise<SyncResult[]> {
    if (this.options.readOnly) return Promise.resolve([]);
    // One pass at a time; asks during a pass get one more pass after it (they may see new facts).
    this.healNext ??= this.healRun.then(() => {
      this.healNext = null;
      return this.healPass();
    });
    this.healRun = this.healNext.catch(() => []);
    return this.healNext;
  }

  private async healPass(): Promise<SyncResult[]> {
    const settings = await this.isolated.settings(this.options.repoDir, this.branch).catch(() => null);
    if (!settings?.selfHeal) return [];
    const base = settings.selfHealBackoffMs;
    const now = this.now().getTime();
    const picks: string[] = [];
    for (const s of (await this.status()).filter(wantsHeal)) {
      if (this.streams.isBusy(s.service) || !this.healBackoff.ready(s.service, now, base)) continue;
      if (s.sync_reason?.code === 'interrupted' && s.latest) {
        // Kept in the log, so the wait outlasts a restart: retries of retries wait longer.
        const latest = await this.state.deployment(s.latest);
        const ended = Date.parse(latest?.finished_time ?? '') || 0;
        if (latest && now < ended + backoffMs(base, (await this.retryDepth(latest)) - MAX_RETRIES + 1))
          continue;
      }
      picks.push(s.service);
    }
    return await Promise.all(
      picks.map((service) =>
        this.sync(service, SELF_HEAL_AUTHOR, { why: 'self-heal' }).then(
          (r) => {
            if (r.deployment?.status === 'succeeded') this.healBackoff.converged(service);
            else this.healBackoff.missed(service, this.now().getTime());
            return r;
          },
          (err: unknown): SyncResult => {
            this.healBackoff.missed(service, this.now().getTime());
            return notSynced(service, err);
          },
        ),
      ),
    );
  }

  /** Approves the `ack` step a deployment is waiting on in this process. */
  ack(deployId: string, approver: string | Approver): Promise<DeploymentRecord> {
    return approve(this.deps, this.options.acks, deployId, approver, this.options.pushedBy);
  }

  /** Resolves deployments a crash left running or unwinding: their applied steps are unwound. */
  async recover(): Promise<JobOutcome[]> {
    const left = await this.state.inFlight();
    // Leftover containers can only come from a process before this one, and only while a
    // deployment was in flight (a container is removed before its step's end is written): look
    // once, at the first recovery, and not at all after a clean stop (which spares an exec-only
    // run the docker client).
    this.cleanup ??= Promise.resolve(left.length > 0 ? this.options.agents.cleanup?.() : null).then(
      () => undefined,
    );
    await this.cleanup;
    // A blocked unwind waits for a person (`orbit unwind`), not for a restart.
    const inFlight = left.filter((d) => d.status !== 'unwind-blocked');
    const outcomes = await Promise.all(
      inFlight.map((d) =>
        this.streams.enqueue({
          service: d.service_id,
          supersedable: false,
          run: async () =>
            outcomeOf('recover', await recoverDeployment(this.deps, d, await this.secretsFor(d))),
        }),
      ),
    );
    // Deployments Orbit stopped in (not failed ones) run again, unless the service changed since.
    const stopped = inFlight.filter((d, i) => d.status === 'running' && outcomes[i]!.status === 'unwound');
    if (stopped.length === 0 || this.stopRequested) return outcomes;
    const changed = await this.changedSince(stopped);
    const depths = await Promise.all(stopped.map((d) => this.retryDepth(d)));
    const retries = stopped
      // A deployment Orbit keeps stopping in (it takes the host down?) is retried twice, not forever.
      .filter((d, i) => !changed.has(d.service_id) && depths[i]! < MAX_RETRIES)
      .map((d) =>
        this.streams.enqueue({
          service: d.service_id,
          supersedable: false,
          run: async () => this.retry(d),
        }),
      );
    return [...outcomes, ...(await Promise.all(retries))];
  }

  /** How many retries led to `d` (0: it is no retry). */
  private async retryDepth(d: DeploymentRecord): Promise<number> {
    let depth = 0;
    for (let at: DeploymentRecord | null = d; at?.retry_of; depth++) {
      at = await this.state.deployment(at.retry_of);
    }
    return depth;
  }

  /** Re-runs a deployment recovery unwound, from its config commit, recorded as `retry_of` it. */
  private async retry(d: DeploymentRecord): Promise<JobOutcome> {
    const view = await this.state.service(d.service_id);
    const commit = d.config_commit;
    if (!commit || view?.last_config_commit !== commit || view.current !== d.previous_deploy_id) {
      return { kind: 'retry', service: d.service_id, deployId: null, commit, status: 'noop', error: null };
    }
    let loaded: { spec: ServiceSpec; vars: ResolvedVariables };
    try {
      loaded = await this.load(d.service_id, commit);
    } catch (err) {
      // E.g. a secret that is not set in this process: nothing runs, and the outcome says why.
      if (!(err instanceof ConfigError)) throw err;
      const error = { code: err.code, message: err.diagnostics.map(formatDiagnostic).join('\n') };
      return { kind: 'retry', service: d.service_id, deployId: null, commit, status: 'rejected', error };
    }
    const again = await this.deploy(d.service_id, commit, d.author, loaded.spec, loaded.vars, d.redeploy_of, {
      retryOf: d.deploy_id,
      verifiedBy: d.verified_by ?? null,
    });
    return outcomeOf('retry', again, commit);
  }

  /**
   * Services of `stopped` that a config commit not yet processed changes after the stopped
   * deployment's own commit: that commit deploys them, so a retry would be stale.
   */
  private async changedSince(stopped: DeploymentRecord[]): Promise<Set<string>> {
    const head = await this.history.resolve(this.branch);
    if (!head) return new Set(stopped.map((d) => d.service_id));
    let planned: PlannedCommit[];
    try {
      planned = await this.pending(head);
    } catch (err) {
      // A rewritten branch: reconcile reports it; retry nothing until it is resolved.
      if (err instanceof OrbitError) return new Set(stopped.map((d) => d.service_id));
      throw err;
    }
    const changed = new Set<string>();
    for (const d of stopped) {
      const own = planned.findIndex((p) => p.commit.sha === d.config_commit);
      if (planned.slice(own + 1).some((p) => p.jobs.some((j) => j.service === d.service_id))) {
        changed.add(d.service_id);
      }
    }
    return changed;
  }

  // ---- pieces the jobs use ------------------------------------------------------------

  async unwindNow(
    service: string,
    target: string,
    author: string,
    reason: string,
    commit: string | null,
    onStarted?: () => void,
    opts: { inDoubtDone?: boolean; verifiedBy?: string | null } = {},
  ): Promise<DeploymentRecord> {
    const view = await this.state.service(service);
    const blocked = view?.in_flight ? await this.state.deployment(view.in_flight) : null;
    if (blocked?.status === 'unwind-blocked' && (target === service || target === blocked.deploy_id)) {
      // Resumes where it stopped, for the reason it started.
      return executeUnwind(this.deps, {
        deployment: blocked,
        reason: blocked.unwind?.reason ?? reason,
        author,
        verifiedBy: opts.verifiedBy,
        commit,
        secrets: await this.secretsFor(blocked),
        onStarted,
        inDoubtDone: opts.inDoubtDone,
      });
    }
    const named = target !== service ? await this.state.deployment(target) : null;
    const current = await mustRead(this.state, unwindTarget(service, view, target, named));
    const ask = { schedule: await this.scheduleAt(service, commit), reason, author, commit, ...opts };
    if (!(await unwindApproved(this.deps, this.options.acks, current, ask)))
      return mustRead(this.state, current.deploy_id);
    return executeUnwind(this.deps, {
      deployment: current,
      reason,
      author,
      verifiedBy: opts.verifiedBy,
      commit,
      secrets: await this.secretsFor(current),
      onStarted,
    });
  }

  /** The service's schedule at `commit` (else the branch head); null when it cannot be loaded. */
  private async scheduleAt(service: string, commit: string | null): Promise<ScheduleSpec | null> {
    const at = commit ?? (await this.history.resolve(this.branch));
    if (!at) return null;
    // A service the commit removed (or a config that no longer loads) has no window to keep.
    const sources = await readServiceSources(this.options.repoDir, service, at).catch(() => null);
    if (!sources || !mayDeclareSchedule(sources)) return null;
    return this.load(service, at, { sources }).then(
      (l) => l.spec.schedule ?? null,
      () => null,
    );
  }

  async deploy(
    service: string,
    commit: string,
    author: string,
    spec: ServiceSpec,
    vars: ResolvedVariables,
    redeployOf: string | null,
    more: DeployExtras = {},
  ): Promise<DeploymentRecord> {
    const { onStarted, retryOf = null, existing = null, reason = null, verifiedBy = null } = more;
    const view = await this.state.service(service);
    const sequence = existing ? sequenceOf(existing) : await this.nextSequence(service);
    const previousId = previousForNew(view);
    const previous = previousId ? await mustRead(this.state, previousId) : null;
    const dependencies = await this.dependenciesOf(spec);
    return executeDeploy(this.deps, {
      service,
      deployId: deploymentId(service, sequence),
      sequence,
      commit,
      author,
      spec,
      // A dependency's secrets are this deployment's secrets too (masked, put back on replay).
      vars: dependencies ? { ...vars, secrets: [...vars.secrets, ...dependencies.secrets] } : vars,
      ...(dependencies ? { dependencies } : {}),
      previous,
      redeployOf,
      retryOf,
      reason,
      verifiedBy,
      onStarted,
    });
  }

  /** `dependency.<service>.*` for a deployment starting now: each dependency's current deployment. */
  private async dependenciesOf(spec: ServiceSpec) {
    const dependsOn = spec.dependsOn ?? [];
    if (dependsOn.length === 0) return null;
    const scope: Record<string, DependencyScope> = {};
    const ids: Record<string, string | null> = {};
    const secrets: Secret[] = [];
    for (const { name, service } of dependsOn) {
      const id = (await this.state.service(service))?.current ?? null;
      const record = id ? await this.state.deployment(id) : null;
      // Its secrets are resolved (a config load) only when its record shows it had some.
      const secretsOf = record && recordsSecrets(record) ? await this.secretsFor(record, false) : [];
      const read = dependencyScope(name, record, secretsOf);
      scope[name] = read.scope;
      ids[name] = record?.deploy_id ?? null;
      secrets.push(...read.secrets);
    }
    return { scope, ids, secrets };
  }

  /** A deployment of the branch head that no new commit asked for (sync, release, self-heal). */
  deploySync(
    service: string,
    commit: string,
    author: string,
    loaded: { spec: ServiceSpec; vars: ResolvedVariables },
    why: SyncWhy,
    retryOf: string | null,
    verifiedBy: string | null = null,
  ): Promise<DeploymentRecord> {
    return this.deploy(service, commit, author, loaded.spec, loaded.vars, null, {
      retryOf,
      reason: why,
      verifiedBy,
    });
  }

  /** `require_signed_commits` (orbit.hcl): whether `commit` may deploy, and who signed it. */
  checkSignature(commit: string): Promise<SignatureCheck> {
    this.signing ??= new SigningPolicy(this.options.repoDir, (ref) =>
      this.isolated.settings(this.options.repoDir, ref),
    );
    return this.signing.check(commit);
  }

  /**
   * A service's spec at a commit, parsed by the config evaluator (never aborted by a stop): what
   * the daemon's notifier reads its notify blocks from, so the HCL parser never loads here.
   */
  serviceSpec(service: string, ref: string): Promise<ServiceSpec> {
    return this.isolated.spec({ repoDir: this.options.repoDir, service, ref });
  }

  /** orbit.hcl's settings at a commit, parsed by the config evaluator (see `serviceSpec`). */
  repoSettings(ref: string): Promise<RepoSettings> {
    return this.isolated.settings(this.options.repoDir, ref);
  }

  /** Loads and checks a service's config at a commit (its texts read there, unless given); throws ConfigError. */
  async load(
    service: string,
    commit: string,
    options: { abortable?: boolean; sources?: SourceTexts } = {},
  ): Promise<{ spec: ServiceSpec; vars: ResolvedVariables }> {
    // Checked there as before: a step its agent would refuse is refused before anything runs.
    return this.isolated.load(
      {
        repoDir: this.options.repoDir,
        service,
        ref: commit,
        knownAgents: this.options.agents.kinds?.(),
        env: variableEnv(this.options.env ?? process.env),
        sources: options.sources,
      },
      { abortable: options.abortable },
    );
  }

  async nextSequence(service: string): Promise<number> {
    let last = this.sequences.get(service);
    if (last === undefined) last = (await this.state.service(service))?.last_sequence ?? 0;
    this.sequences.set(service, last + 1);
    return last + 1;
  }

  now(): Date {
    return this.deps.now();
  }

  write(entry: LogEntry): Promise<void> {
    return write(this.deps, entry);
  }

  /** Secrets to put back into recorded actions: resolved again from the deployment's commit. */
  private async secretsFor(d: DeploymentRecord, withDependencies = true): Promise<Secret[]> {
    // What it read of its dependencies' secrets, under the names it recorded them by.
    const fromDependencies: Secret[] = [];
    for (const [name, id] of Object.entries((withDependencies && d.dependencies) || {})) {
      const record = id ? await this.state.deployment(id) : null;
      if (record && recordsSecrets(record))
        fromDependencies.push(...renamedSecrets(name, await this.secretsFor(record, false)));
    }
    return [...(await this.ownSecrets(d)), ...fromDependencies];
  }

  private async ownSecrets(d: DeploymentRecord): Promise<Secret[]> {
    // A deployment that recorded no sensitive value has none to put back: its config is not read.
    if (!d.config_commit || !recordsSecrets(d)) return [];
    let spec: ServiceSpec;
    try {
      spec = await this.isolated.spec({
        repoDir: this.options.repoDir,
        service: d.service_id,
        ref: d.config_commit,
        knownAgents: this.options.agents.kinds?.(),
      });
    } catch (err) {
      // Expected: the commit is gone (a rewritten branch) or its config no longer loads. Then every
      // recorded secret is unavailable, and the unwind says which; a git failure or a bug surfaces.
      if (err instanceof ConfigError || isOrbitError(err, 'E_UNKNOWN_REF')) return [];
      throw err;
    }
    return availableSecrets(spec, this.options.env ?? process.env);
  }

  private async serviceOf(target: string): Promise<string> {
    if (await this.state.service(target)) return target;
    const fromId = serviceOfDeployment(target);
    if (fromId && (await this.state.deployment(target))) return fromId;
    if (/^[a-z0-9][a-z0-9_.-]*$/i.test(target) && !fromId) {
      throw new OrbitError('E_UNKNOWN_SERVICE', `no service ${target} in the log`, { service: target });
    }
    throw new OrbitError('E_UNKNOWN_DEPLOYMENT', `no service or deployment ${target} in the log`, { target });
  }
}

function withoutListenerLimit(c: AbortController): AbortController {
  setMaxListeners(0, c.signal);
  return c;
}
