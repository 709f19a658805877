/**
 * Two answers per service, as Argo CD and Flux users expect: is it synced with the branch
 * (`sync`, and why not), and is it healthy (`health`, and what is going on). The facts are read
 * once for all services (`status/facts.ts`); each answer is the first rule that applies
 * (`status/sync-rules.ts`, `status/health-rules.ts`).
 */
import type { ConfigHistory } from '../git/config-history.js';
import { describeHold, releaseHint } from '../state/chain/index.js';
import type { DeploymentRecord, DeploymentStatus, Hold, ServiceView } from '../state/types.js';
import type { BranchFacts } from './status/branch-facts.js';
import { gatherFacts, type FactsSource, type LiveFacts, type ServiceFacts } from './status/facts.js';
import { healthOf, type HealthReason, type HealthState } from './status/health-rules.js';
import { syncOf, type SyncReason, type SyncState } from './status/sync-rules.js';

export type { FactsSource, LiveFacts, ServiceFacts } from './status/facts.js';
export type { HealthReason, HealthState } from './status/health-rules.js';
export type { SyncReason, SyncState } from './status/sync-rules.js';

export interface ServiceStatus {
  service: string;
  sync: SyncState;
  sync_reason: SyncReason | null;
  health: HealthState;
  health_reason: HealthReason | null;
  /** Orbit does not deploy the service by itself: who, when, why, and what lifts it. */
  hold: (Hold & { message: string }) | null;
  current: {
    id: string;
    status: DeploymentStatus;
    config_commit: string | null;
    author: string;
    finished_time: string | null;
    values: Record<string, unknown> | null;
  } | null;
  /** The newest deployment started (any outcome). */
  latest: string | null;
  /** What `orbit redeploy` would re-apply. */
  redeployable: string | null;
  in_flight: string | null;
  rejected: ServiceView['rejected'];
  /** The newest commit on the branch that touched this service's files. */
  branch_commit: string | null;
}

export async function serviceStatuses(
  state: FactsSource,
  history: BranchFacts | ConfigHistory,
  head: string | null,
  live?: LiveFacts,
): Promise<ServiceStatus[]> {
  return (await gatherFacts(state, history, head, live)).map(statusOf);
}

export function statusOf(f: ServiceFacts): ServiceStatus {
  const { sync, reason: syncReason } = syncOf(f);
  const { health, reason: healthReason } = healthOf(f);
  const hold = f.view?.hold ?? null;
  return {
    service: f.service,
    sync,
    sync_reason: syncReason,
    health,
    health_reason: healthReason,
    hold: hold ? { ...hold, message: `on hold: ${describeHold(hold)}. ${releaseHint(f.service)}` } : null,
    current: f.current ? summary(f.current) : null,
    latest: f.latest?.deploy_id ?? null,
    redeployable: f.view?.redeployable ?? null,
    in_flight: f.inFlight && f.inFlight.status !== 'unwind-blocked' ? f.inFlight.deploy_id : null,
    rejected: f.view?.rejected ?? null,
    branch_commit: f.branchCommit,
  };
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
