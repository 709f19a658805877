/**
 * What the git host shows: a commit status `orbit/<service>` on the config commit (pending while
 * deploying, then success or failure with the reason) and a GitHub Deployment per deployment, in
 * the service's environment (in_progress, success, failure, error; inactive once unwound). Jobs go
 * through the notifier's queue, in order, on one lane.
 */
import type { NotifyEventFields } from '../../config/notify-spec.js';
import type { LogEntry } from '../../state/types.js';
import type { EntrySink } from '../notifier.js';
import type { DeliveryJob } from '../queue.js';
import { githubFailure, type GitHubRepo } from './client.js';

type CommitState = 'pending' | 'success' | 'failure' | 'error';
type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

/** Entry kind to (commit status, deployment status); null: that one does not change. */
function statesOf(e: LogEntry): [CommitState | null, DeploymentState | null] {
  switch (e.kind) {
    case 'deploy-started':
      return ['pending', 'in_progress'];
    case 'deploy-succeeded':
      return ['success', 'success'];
    case 'step-failed':
      return ['failure', 'failure'];
    case 'commit-rejected':
      return e.service_id ? ['failure', null] : [null, null];
    case 'unwind-failed':
    case 'unwind-blocked':
      return ['error', 'error'];
    case 'deploy-unwound':
      // After its own failure the deployment already says failure.
      return e.reason === 'failure' ? [null, null] : [null, 'inactive'];
    default:
      return [null, null];
  }
}

/** GitHub caps descriptions at 140 characters. */
const clip = (s: string): string => (s.length > 140 ? `${s.slice(0, 139)}…` : s);

export class GitHubReporter implements EntrySink {
  readonly target = 'github';
  /** Orbit deployment id to GitHub deployment id. */
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly gh: GitHubRepo,
    private readonly link: (e: LogEntry) => string,
  ) {}

  jobs(e: LogEntry, fields: NotifyEventFields | null): DeliveryJob[] {
    const commit = e.config_commit;
    if (!commit || !e.service_id) return [];
    const [commitState, deployState] = statesOf(e);
    const description = clip(this.describe(e, fields));
    const jobs: DeliveryJob[] = [];
    const what = `${e.kind} ${e.deploy_id ?? e.service_id}`;
    if (commitState)
      jobs.push({
        target: this.target,
        what: `commit status ${what}`,
        attempt: () => this.commitStatus(commit, e, commitState, description),
      });
    if (deployState && e.deploy_id) {
      const deployId = e.deploy_id;
      jobs.push({
        target: this.target,
        what: `deployment ${what}`,
        attempt: () => this.deploymentStatus(commit, e.service_id, deployId, deployState, description, e),
      });
    }
    return jobs;
  }

  private describe(e: LogEntry, fields: NotifyEventFields | null): string {
    if (fields?.error) return `${fields.step ? `${fields.step}: ` : ''}${fields.error}`;
    if (e.kind === 'deploy-started') return `${e.deploy_id} deploying`;
    if (e.kind === 'deploy-succeeded') return `${e.deploy_id} deployed`;
    if (e.kind === 'deploy-unwound') return `${e.deploy_id} unwound (reason ${e.reason ?? 'user'})`;
    return `${e.deploy_id ?? e.service_id}: ${e.kind}`;
  }

  private async commitStatus(
    sha: string,
    e: LogEntry,
    state: CommitState,
    description: string,
  ): Promise<void> {
    const { octokit, owner, repo } = this.gh;
    try {
      await octokit.rest.repos.createCommitStatus({
        owner,
        repo,
        sha,
        state,
        context: `orbit/${e.service_id}`,
        description,
        target_url: this.link(e),
      });
    } catch (err) {
      throw githubFailure(err, 'commit status');
    }
  }

  private async deploymentStatus(
    sha: string,
    service: string,
    deployId: string,
    state: DeploymentState,
    description: string,
    e: LogEntry,
  ): Promise<void> {
    const { octokit, owner, repo } = this.gh;
    try {
      const id =
        state === 'in_progress'
          ? await this.create(sha, service, deployId)
          : await this.find(sha, service, deployId);
      if (id === null) return; // started before GitHub reporting was on: nothing to update
      await octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: id,
        state,
        description,
        log_url: this.link(e),
        auto_inactive: true,
      });
    } catch (err) {
      throw githubFailure(err, 'deployment status');
    }
  }

  private async create(sha: string, service: string, deployId: string): Promise<number> {
    const known = this.ids.get(deployId) ?? (await this.find(sha, service, deployId));
    if (known !== null) return known;
    const { octokit, owner, repo } = this.gh;
    const res = await octokit.rest.repos.createDeployment({
      owner,
      repo,
      ref: sha,
      environment: service,
      task: 'deploy',
      description: `Orbit ${deployId}`,
      payload: { orbit_deployment: deployId },
      auto_merge: false,
      // Orbit's own pending status (and any other check) must not block recording what runs.
      required_contexts: [],
    });
    if (!('id' in res.data))
      throw Object.assign(new Error(res.data.message ?? 'no deployment'), { status: res.status });
    this.ids.set(deployId, res.data.id);
    return res.data.id;
  }

  /** After a restart the id is looked up: the deployment whose payload names this one. */
  private async find(sha: string, service: string, deployId: string): Promise<number | null> {
    const known = this.ids.get(deployId);
    if (known !== undefined) return known;
    const { octokit, owner, repo } = this.gh;
    const res = await octokit.rest.repos.listDeployments({
      owner,
      repo,
      sha,
      environment: service,
      per_page: 100,
    });
    const found = res.data.find((d) => {
      const p = d.payload as unknown;
      return (
        typeof p === 'object' && p !== null && (p as Record<string, unknown>).orbit_deployment === deployId
      );
    });
    if (!found) return null;
    this.ids.set(deployId, found.id);
    return found.id;
  }
}
