/**
 * What the branch says against what is deployed, per service. Drift compares the service's files
 * (blob ids), so a revert that restores the deployed config reads as in sync.
 */
import { listServices } from '../config/load.js';
import { serviceConfigId, type ConfigHistory } from '../git/config-history.js';
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
  next: string | null;
  in_flight: string | null;
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
  return Promise.all(
    names.map(async (service) => {
      const view = views.get(service) ?? null;
      const current = view?.current ? await state.deployment(view.current) : null;
      const branchCommit =
        head && inBranch.includes(service) ? await history.lastCommitTouching(head, service) : null;
      return {
        service,
        current: current ? summary(current) : null,
        next: view?.next ?? null,
        in_flight: view?.in_flight ?? null,
        rejected: view?.rejected ?? null,
        branch_commit: branchCommit,
        drift: await drift(history, service, branchCommit, current),
      };
    }),
  );
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

async function drift(
  history: ConfigHistory,
  service: string,
  branchCommit: string | null,
  current: DeploymentRecord | null,
): Promise<Drift> {
  if (!branchCommit) return current ? 'not-in-branch' : 'in-sync';
  if (!current?.config_commit) return 'not-deployed';
  if (current.config_commit === branchCommit) return 'in-sync';
  const [want, have] = await Promise.all([
    serviceConfigId(history, branchCommit, service),
    serviceConfigId(history, current.config_commit, service),
  ]);
  return want === have ? 'in-sync' : 'drift';
}
