/**
 * One job a config commit asks for in one service, run in its service's stream: deploy the
 * service, or, when the commit undoes the one that started the current deployment, unwind it
 * (decided when its turn comes, by `commit-decision.ts`). Its config is loaded before it is
 * queued, so the queue knows the service's policy and a rejected commit costs no waiting.
 */
import { isSafeServiceName } from '../config/names.js';
import type { ResolvedVariables } from '../config/types.js';
import type { DeployPolicy, ServiceSpec } from '../config/types.js';
import type { DeploymentRecord, LogEntry, ServiceView } from '../state/types.js';
import { ConfigError, OrbitError, formatDiagnostic } from '../util/errors.js';
import { newEntry } from '../state/index.js';
import { decideCommitFor, type ObjectIdReader } from './commit-decision.js';
import { releaseHold } from './holds.js';
import type { SignatureCheck } from './signing-policy.js';
import { deploymentId } from './ids.js';
import { outcomeOf, type JobOutcome } from './outcome.js';
import type { PlannedJob } from './reconcile-plan.js';
import { holdForWindow, type WindowHost } from './schedule/waiting.js';

/**
 * What a commit job needs from the engine (the engine implements it; no import back): the
 * schedule window's needs (state, load, sequence, clock, write, deploy) and these.
 */
export interface CommitJobHost extends WindowHost {
  readonly history: ObjectIdReader;
  /** Whether the commit may deploy under `require_signed_commits`, and its verified signer. */
  checkSignature(commit: string): Promise<SignatureCheck>;
  unwindNow(
    service: string,
    target: string,
    author: string,
    reason: string,
    commit: string | null,
    onStarted?: () => void,
    opts?: { verifiedBy?: string | null },
  ): Promise<DeploymentRecord>;
}

/** What some deployments carry beyond the config: `deploy-started`'s links and reason. */
export interface DeployExtras {
  /** Resolves the commit job's `started` once the first entry is in the log. */
  onStarted?: () => void;
  /** An interrupted deployment this one retries. */
  retryOf?: string | null;
  /** A deployment that waited for its window starts under the id it was given then. */
  existing?: string | null;
  /** Why a deployment no new commit asked for runs: `sync`, `release`, `self-heal`. */
  reason?: string | null;
  /** How the author was verified (an API identity, a config commit's signature). */
  verifiedBy?: string | null;
}

export class CommitJob {
  readonly service: string;
  readonly supersedable: boolean;
  /** Resolves once the job's first entry is in the log (or it ended without one). */
  readonly started: Promise<void>;
  policy: DeployPolicy = 'queue';
  private markStarted!: () => void;
  private loaded: { spec: ServiceSpec; vars: ResolvedVariables } | null = null;
  private rejection: ConfigError | null = null;
  /** The commit removed the service's deploy.hcl: nothing to deploy (an unwind is by hand). */
  private removed = false;
  /** `require_signed_commits`: the verdict on the commit's signature. */
  private signature: SignatureCheck = { ok: true, verifiedBy: null };

  constructor(
    private readonly engine: CommitJobHost,
    private readonly job: PlannedJob,
    /** Position of each commit of the batch, to recognise work done before a crash. */
    private readonly order: ReadonlyMap<string, number>,
    private readonly index: number,
  ) {
    this.service = job.service;
    this.supersedable = true;
    this.started = new Promise((resolve) => (this.markStarted = resolve));
  }

  /** The services this job's config depends on (`depends_on`; none when it did not load). */
  get dependsOn(): string[] {
    return (this.loaded?.spec.dependsOn ?? []).map((d) => d.service);
  }

  /** The loaded spec, for the checks that need the whole commit (`depends_on`). */
  get spec(): ServiceSpec | null {
    return this.loaded?.spec ?? null;
  }

  /** A problem only the whole commit shows (an unknown dependency, a cycle): the job is rejected. */
  rejectWith(err: ConfigError): void {
    this.rejection = err;
    this.loaded = null;
  }

  get kind(): PlannedJob['kind'] {
    return this.job.kind;
  }

  get commit(): PlannedJob['commit'] {
    return this.job.commit;
  }

  get commitSha(): string {
    return this.job.commit.sha;
  }

  async prepare(): Promise<void> {
    this.signature = await this.engine.checkSignature(this.commitSha);
    try {
      this.loaded = await this.engine.load(this.service, this.commitSha);
      this.policy = this.loaded.spec.policy;
    } catch (err) {
      if (err instanceof OrbitError && err.code === 'E_UNKNOWN_SERVICE') this.removed = true;
      else if (err instanceof ConfigError) this.rejection = err;
      else throw err;
    }
  }

  async run(): Promise<JobOutcome> {
    try {
      return await this.runJob();
    } finally {
      this.markStarted();
    }
  }

  /** Superseded while waiting: logged as skipped, nothing runs. */
  skip(by: string): Promise<JobOutcome> {
    return this.logSkip('deploy-skipped', { reason: `superseded by ${by.slice(0, 12)}` }, null);
  }

  /**
   * Not started because a service it waits for did not get through (src/engine/dependency-order.ts):
   * logged as `dependency-skipped` with the reason, under a deployment id of its own.
   */
  skipForDependency(dependency: {
    service: string;
    deployId: string | null;
    why: string;
  }): Promise<JobOutcome> {
    const error = {
      code: 'E_DEPENDENCY_FAILED',
      message: `not started: ${dependency.service}${dependency.deployId ? ` (${dependency.deployId})` : ''} ${dependency.why}`,
    };
    return this.logSkip(
      'dependency-skipped',
      {
        reason: `dependency ${dependency.service} ${dependency.why}`,
        error,
        skipped_for: { service: dependency.service, deploy_id: dependency.deployId },
      },
      error,
    );
  }

  /** A job that will not run: one entry under a deployment id of its own (none if handled before). */
  private async logSkip(
    kind: 'deploy-skipped' | 'dependency-skipped',
    fields: Partial<LogEntry>,
    error: JobOutcome['error'],
  ): Promise<JobOutcome> {
    const engine = this.engine;
    if (this.handledBefore(await engine.state.service(this.service))) {
      this.markStarted();
      return this.noop();
    }
    const deployId = deploymentId(this.service, await engine.nextSequence(this.service));
    await engine.write(
      newEntry(kind, this.service, engine.now(), {
        deploy_id: deployId,
        config_commit: this.commitSha,
        author: this.job.commit.author,
        ...this.verified(),
        ...fields,
      }),
    );
    this.markStarted();
    return {
      kind: 'deploy',
      service: this.service,
      deployId,
      commit: this.commitSha,
      status: 'skipped',
      error,
    };
  }

  /** Already handled before a crash: the service started this commit or a later one of the batch. */
  private handledBefore(view: ServiceView | null): boolean {
    const seenAt = view?.last_config_commit ? this.order.get(view.last_config_commit) : undefined;
    return seenAt !== undefined && seenAt >= this.index;
  }

  private verified(): { verified_by?: string } {
    const by = this.signature.ok ? this.signature.verifiedBy : null;
    return by ? { verified_by: by } : {};
  }

  private noop(): JobOutcome {
    return {
      kind: this.job.kind,
      service: this.service,
      deployId: null,
      commit: this.commitSha,
      status: 'noop',
      error: null,
    };
  }

  private async runJob(): Promise<JobOutcome> {
    const { engine, job } = this;
    const commit = job.commit;
    const view = await engine.state.service(this.service);
    const noop = this.noop();
    if (this.handledBefore(view)) return noop;
    // Not signed as required: rejected before anything (a revert's unwind, lifting a hold).
    if (!this.signature.ok) return this.reject(this.signature.error);
    const verifiedBy = this.signature.verifiedBy;
    // A new commit touching a held service lifts the hold, whatever it then does.
    if (isSafeServiceName(this.service))
      await releaseHold(engine, this.service, {
        author: commit.author,
        verifiedBy,
        why: `new commit ${commit.sha.slice(0, 7)}`,
        commit: commit.sha,
      });
    const decision = await decideCommitFor(engine.state, engine.history, this.service, commit);
    if (decision.kind === 'unwind') {
      const d = await engine.unwindNow(
        this.service,
        decision.deployment,
        commit.author,
        'revert',
        commit.sha,
        this.markStarted,
        { verifiedBy },
      );
      return outcomeOf('revert', d, commit.sha);
    }
    // It undoes a commit whose deployment already failed or was unwound: nothing to do.
    if (decision.kind === 'nothing') return { ...noop, kind: 'revert' };
    if (this.removed) return noop;
    if (this.rejection || !this.loaded) {
      const err = this.rejection!;
      return this.reject({ code: err.code, message: err.diagnostics.map(formatDiagnostic).join('\n') });
    }
    const { spec, vars } = this.loaded;
    // Outside its schedule window it waits (an unwind, above, never waits for the window).
    const held = await holdForWindow(engine, { service: this.service, commit, spec, policy: this.policy });
    if (held) return held;
    const d = await engine.deploy(this.service, commit.sha, commit.author, spec, vars, null, {
      onStarted: this.markStarted,
      verifiedBy,
    });
    return outcomeOf('deploy', d, commit.sha);
  }

  /** A `commit-rejected` entry: nothing of the commit runs for this service. */
  private async reject(error: { code: string; message: string }): Promise<JobOutcome> {
    const { engine } = this;
    const commit = this.job.commit;
    await engine.write(
      // A directory that is no service name cannot be a path in the state tree: logged for no service.
      newEntry('commit-rejected', isSafeServiceName(this.service) ? this.service : '', engine.now(), {
        config_commit: commit.sha,
        author: commit.author,
        error,
      }),
    );
    return {
      kind: 'deploy',
      service: this.service,
      deployId: null,
      commit: commit.sha,
      status: 'rejected',
      error,
    };
  }
}
