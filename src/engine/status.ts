/**
 * What the branch says against what is deployed, per service. Drift compares the service's files
 * (blob ids), so a revert that restores the deployed config reads as in sync. The cost is a few
 * git processes for all services together, not a few per service.
 */
import { listServices } from '../config/load.js';
import { serviceConfigPaths, type ConfigHistory } from '../git/config-history.js';
import type { DeploymentRecord, DeploymentStatus, ServiceView, StateLog } from '../state/types.js';

export type Drift = 'in-sync' | 'drift' | 'not-deployed' | 'not-in-branch';

export interface ServiceStatus {
  service: string;
  current: {
    id: string;
    status: DeploymentStatus;
    config_commit: string | null;
    author: string;
    finished_time: string | null;
    values: Record<string, unknown> | null;
  } | null;
  /** What `orbit redeploy` would re-apply. */
  redeployable: string | null;
  in_flight: string | null;
  /** An unwind stopped before a reverse it cannot run yet (`orbit unwind` resumes it), and why. */
  blocked: { id: string; error: { code: string; message: string } | null } | null;
  rejected: ServiceView['rejected'];
  /** The newest commit on the branch that touched this service's files. */
  branch_commit: string | null;
  drift: Drift;
}

export async function serviceStatuses(
  state: StateLog,
  history: ConfigHistory,
  head: string | null,
): Promise<ServiceStatus[]> {
  const views = new Map((await state.services()).map((v) => [v.service_id, v]));
  const inBranch = head ? await listServices(history.dir, head) : [];
  const names = [...new Set([...views.keys(), ...inBranch])].sort();
  const currents = new Map<string, DeploymentRecord>();
  const blocked = new Map<string, DeploymentRecord>();
  await Promise.all(
    names.map(async (service) => {
      const id = views.get(service)?.current;
      const d = id ? await state.deployment(id) : null;
      if (d) currents.set(service, d);
      const flying = views.get(service)?.in_flight;
      const f = flying ? await state.deployment(flying) : null;
      if (f?.status === 'unwind-blocked') blocked.set(service, f);
    }),
  );
  const [branchCommits, ids] = await Promise.all([
    head ? history.lastCommitsTouching(head, inBranch) : new Map<string, string>(),
    history.objectIds(
      names.flatMap((service) => {
        const deployed = currents.get(service)?.config_commit;
        return [
          ...(head ? serviceConfigPaths(head, service) : []),
          ...(deployed ? serviceConfigPaths(deployed, service) : []),
        ];
      }),
    ),
  ]);
  const configId = (commit: string, service: string) =>
    serviceConfigPaths(commit, service)
      .map((p) => ids.get(p) ?? '-')
      .join(' ');

  return names.map((service) => {
    const view = views.get(service) ?? null;
    const current = currents.get(service) ?? null;
    const branchCommit = branchCommits.get(service) ?? null;
    let drift: Drift;
    if (!head || !inBranch.includes(service)) drift = current ? 'not-in-branch' : 'in-sync';
    else if (!current?.config_commit) drift = 'not-deployed';
    else drift = configId(head, service) === configId(current.config_commit, service) ? 'in-sync' : 'drift';
    return {
      service,
      current: current ? summary(current) : null,
      redeployable: view?.redeployable ?? null,
      in_flight: blocked.has(service) ? null : (view?.in_flight ?? null),
      blocked: blocked.has(service)
        ? { id: blocked.get(service)!.deploy_id, error: blocked.get(service)!.error }
        : null,
      rejected: view?.rejected ?? null,
      branch_commit: branchCommit,
      drift,
    };
  });
}

function summary(d: DeploymentRecord): NonNullable<ServiceStatus['current']> {
  return {
    id: d.deploy_id,
    status: d.status,
    config_commit: d.config_commit,
    author: d.author,
    finished_time: d.finished_time,
    values: d.values,
  };
}
