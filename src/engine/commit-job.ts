/**
 * One job a config commit asks for (deploy a service, or unwind what a reverted commit started),
 * run in its service's stream. Its config is loaded before it is queued, so the queue knows the
 * service's policy and a rejected commit costs no waiting.
 */
import { isSafeServiceName } from '../config/names.js';
import type { ResolvedVariables } from '../config/types.js';
import type { DeployPolicy, ServiceSpec } from '../config/types.js';
import type { ServiceView } from '../state/types.js';
import { ConfigError, formatDiagnostic } from '../util/errors.js';
import type { Engine, JobOutcome } from './engine.js';
import { outcomeOf } from './engine.js';
import { newEntry } from '../state/index.js';
import { deploymentId } from './ids.js';
import type { PlannedJob } from './reconcile-plan.js';

export class CommitJob {
  readonly service: string;
  readonly supersedable: boolean;
  /** Resolves once the job's first entry is in the log (or it ended without one). */
  readonly started: Promise<void>;
  policy: DeployPolicy = 'queue';
  private markStarted!: () => void;
  private loaded: { spec: ServiceSpec; vars: ResolvedVariables } | null = null;
  private rejection: ConfigError | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly job: PlannedJob,
    /** Position of each commit of the batch, to recognise work done before a crash. */
    private readonly order: ReadonlyMap<string, number>,
    private readonly index: number,
  ) {
    this.service = job.service;
    this.supersedable = job.kind === 'deploy';
    this.started = new Promise((resolve) => (this.markStarted = resolve));
  }

  get kind(): PlannedJob['kind'] {
    return this.job.kind;
  }

  get commitSha(): string {
    return this.job.commit.sha;
  }

  async prepare(): Promise<void> {
    try {
      this.loaded = await this.engine.load(this.service, this.commitSha);
      this.policy = this.loaded.spec.policy;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.rejection = err;
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
  async skip(by: string): Promise<JobOutcome> {
    const engine = this.engine;
    if (this.handledBefore(await engine.state.service(this.service))) {
      this.markStarted();
      return this.noop();
    }
    const deployId = deploymentId(this.service, await engine.nextSequence(this.service));
    await engine.write(
      newEntry('deploy-skipped', this.service, engine.now(), {
        deploy_id: deployId,
        config_commit: this.commitSha,
        author: this.job.commit.author,
        reason: `superseded by ${by.slice(0, 12)}`,
      }),
    );
    this.markStarted();
    return {
      kind: 'deploy',
      service: this.service,
      deployId,
      commit: this.commitSha,
      status: 'skipped',
      error: null,
    };
  }

  /** Already handled before a crash: the service started this commit or a later one of the batch. */
  private handledBefore(view: ServiceView | null): boolean {
    const seenAt = view?.last_config_commit ? this.order.get(view.last_config_commit) : undefined;
    return seenAt !== undefined && seenAt >= this.index;
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

    if (job.kind === 'revert') {
      const current = view?.current ? await engine.state.deployment(view.current) : null;
      if (current?.config_commit === job.reverted) {
        const d = await engine.unwindNow(
          this.service,
          this.service,
          commit.author,
          'revert',
          commit.sha,
          this.markStarted,
        );
        return outcomeOf('revert', d, commit.sha);
      }
      // The reverted commit's deployment already failed or was unwound: what runs is what the revert restores.
      if (view?.last_config_commit === job.reverted) return noop;
    }
    if (this.rejection || !this.loaded) {
      const err = this.rejection!;
      const error = { code: err.code, message: err.diagnostics.map(formatDiagnostic).join('\n') };
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
    const { spec, vars } = this.loaded;
    const d = await engine.deploy(
      this.service,
      commit.sha,
      commit.author,
      spec,
      vars,
      null,
      this.markStarted,
    );
    return outcomeOf('deploy', d, commit.sha);
  }
}
