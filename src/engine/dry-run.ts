/**
 * The engine's plan of what merging a range of config commits does, without running anything:
 * the planning of `reconcile` (`planCommits`, `supersededInBatch`) and its per-job decision
 * (`decideCommitFor`), played on an overlay of the log with the entries the engine would write
 * if every deployment succeeded, through the log's own projection. So each later commit of the
 * range sees what the earlier ones did, and deployments get the ids the engine would give them.
 */
import type { ConfigCommit } from '../git/config-history.js';
import { previousForNew } from '../state/chain/index.js';
import { newEntry, ViewOverlay } from '../state/index.js';
import type { ActionRecord, DeploymentRecord, StepRecord } from '../state/types.js';
import type { ViewReader } from '../state/view-overlay.js';
import { decideCommitFor, type CommitDecision, type ObjectIdReader } from './commit-decision.js';
import { deploymentId } from './ids.js';
import { planCommits, supersededInBatch, type PlannedCommit, type PlannedJob } from './reconcile-plan.js';

/** What a dry-run deployment applies: each step's rendered actions, sensitive values masked. */
export interface PlannedStep {
  name: string;
  forward: ActionRecord;
  reverse: ActionRecord | null;
}

export class DryRun {
  private readonly overlay: ViewOverlay;
  private readonly planned = new Set<string>();
  private readonly time = new Date(0);

  /** `state`: the log (read only), or null when there is none. */
  constructor(
    readonly state: ViewReader | null,
    private readonly history: ObjectIdReader,
  ) {
    this.overlay = new ViewOverlay(state);
  }

  /** The jobs of a range, in order, as `reconcile` plans them (`servicesAt`: shared-deploy.ts). */
  plan(
    commits: readonly ConfigCommit[],
    servicesAt: ReadonlyMap<string, readonly string[]> = new Map(),
  ): PlannedCommit[] {
    return planCommits(commits, servicesAt);
  }

  /**
   * Which jobs of the range a later one replaces before they run (policy `supersede`), as the
   * engine decides it for commits it reads together. `policyOf` is each job's commit's policy.
   */
  skipped(jobs: readonly PlannedJob[], policyOf: (job: PlannedJob) => string): Map<PlannedJob, PlannedJob> {
    const queued = jobs.map((job) => ({
      job,
      service: job.service,
      supersedable: true,
      policy: policyOf(job),
    }));
    const replaced = supersededInBatch(queued);
    return new Map([...replaced].map(([a, b]) => [a.job, b.job]));
  }

  decide(service: string, commit: ConfigCommit): Promise<CommitDecision> {
    return decideCommitFor(this.overlay, this.history, service, commit);
  }

  async current(service: string): Promise<DeploymentRecord | null> {
    const view = await this.overlay.service(service);
    return view?.current ? this.overlay.deployment(view.current) : null;
  }

  /** True for a deployment of this dry run (its id is a prediction), false for one of the log. */
  isPlanned(deployId: string): boolean {
    return this.planned.has(deployId);
  }

  unwindPlan(deployId: string): Promise<StepRecord[]> {
    return this.overlay.unwindPlan(deployId);
  }

  /** A deployment that succeeds; returns its id. */
  async deploy(
    service: string,
    commit: ConfigCommit,
    values: Record<string, unknown>,
    steps: readonly PlannedStep[],
  ): Promise<string> {
    const id = await this.nextId(service);
    const previous = previousForNew(await this.overlay.service(service));
    const base = {
      deploy_id: id,
      previous_deploy_id: previous,
      config_commit: commit.sha,
      author: commit.author,
      step_count: steps.length,
    };
    await this.overlay.apply(newEntry('deploy-started', service, this.time, { ...base, values }));
    for (const [index, s] of steps.entries()) {
      await this.overlay.apply(
        newEntry('step-applied', service, this.time, {
          ...base,
          step_index: index,
          step_name: s.name,
          forward_action: s.forward,
          reverse_action: s.reverse,
        }),
      );
    }
    await this.overlay.apply(newEntry('deploy-succeeded', service, this.time, base));
    this.planned.add(id);
    return id;
  }

  /** The current deployment unwound by a revert. */
  async unwind(service: string, deployId: string, commit: ConfigCommit): Promise<void> {
    const fields = {
      deploy_id: deployId,
      config_commit: commit.sha,
      author: commit.author,
      reason: 'revert',
    };
    await this.overlay.apply(newEntry('unwind-started', service, this.time, fields));
    await this.overlay.apply(newEntry('deploy-unwound', service, this.time, fields));
  }

  /** Replaced before it ran (policy `supersede`); returns the id the skip uses up. */
  async skip(service: string, commit: ConfigCommit): Promise<string> {
    const id = await this.nextId(service);
    await this.overlay.apply(
      newEntry('deploy-skipped', service, this.time, {
        deploy_id: id,
        config_commit: commit.sha,
        reason: 'superseded',
      }),
    );
    return id;
  }

  /** Not started: a dependency did not get through (`dependency-skipped`); returns the id it uses up. */
  async skipForDependency(service: string, commit: ConfigCommit, reason: string): Promise<string> {
    const id = await this.nextId(service);
    await this.overlay.apply(
      newEntry('dependency-skipped', service, this.time, {
        deploy_id: id,
        config_commit: commit.sha,
        reason,
        error: { code: 'E_DEPENDENCY_FAILED', message: `not started: ${reason}` },
      }),
    );
    return id;
  }

  async reject(
    service: string,
    commit: ConfigCommit,
    error: { code: string; message: string },
  ): Promise<void> {
    await this.overlay.apply(
      newEntry('commit-rejected', service, this.time, { config_commit: commit.sha, error }),
    );
  }

  private async nextId(service: string): Promise<string> {
    return deploymentId(service, ((await this.overlay.service(service))?.last_sequence ?? 0) + 1);
  }
}
