/**
 * Pure: what a batch of new config commits asks for, in order: one job per service a commit
 * touches. Whether a job unwinds instead (the commit undoes the current deployment's) depends on
 * what is deployed when its turn comes, so that decision is left to run time (`commit-decision.ts`).
 */
import { servicesTouched, type ConfigCommit } from '../git/config-history.js';

export interface PlannedJob {
  kind: 'deploy';
  service: string;
  commit: ConfigCommit;
}

export interface PlannedCommit {
  commit: ConfigCommit;
  jobs: PlannedJob[];
  /** Why the commit is planned this way, when it is not simply new (logged with `commit-seen`). */
  reason?: string | null;
}

/** `servicesAt`: the services at the commits that change a shared deploy.hcl (`shared-deploy.ts`). */
export function planCommits(
  commits: readonly ConfigCommit[],
  servicesAt: ReadonlyMap<string, readonly string[]> = new Map(),
): PlannedCommit[] {
  return commits.map((commit) => ({
    commit,
    jobs: servicesTouched(commit.files, servicesAt.get(commit.sha)).map((service) => ({
      kind: 'deploy' as const,
      service,
      commit,
    })),
  }));
}

/** First run (or an accepted rewrite): each service once, at the newest commit that touched it. */
export function planFirstRun(
  head: ConfigCommit,
  services: ReadonlyArray<{ service: string; commit: ConfigCommit }>,
  reason: string | null = null,
): PlannedCommit[] {
  return [
    {
      commit: head,
      jobs: services.map(({ service, commit }) => ({ kind: 'deploy' as const, service, commit })),
      reason,
    },
  ];
}

/**
 * Commits that arrive together count as arriving at once: under `supersede`, a service's deploy
 * that a later deploy of the same batch replaces is skipped without waiting for a running one.
 * Returns, for each replaced job, the job that replaces it (the newest of the service).
 */
export function supersededInBatch<J extends { service: string; supersedable: boolean; policy: string }>(
  jobs: readonly J[],
): Map<J, J> {
  const newest = new Map<string, J>();
  for (const j of jobs) if (j.supersedable && j.policy === 'supersede') newest.set(j.service, j);
  const replaced = new Map<J, J>();
  for (const j of jobs) {
    const by = newest.get(j.service);
    if (by && by !== j && j.supersedable && jobs.indexOf(j) < jobs.indexOf(by)) replaced.set(j, by);
  }
  return replaced;
}
