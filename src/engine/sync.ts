/**
 * `orbit sync SERVICE`: deploy what the branch head says, for a service that is out of sync for
 * a reason sync acts on (`sync-rules.ts`) and not held; `release` lifts a hold first
 * (`orbit release`, `orbit sync --release`). Runs as a job in the service's stream, so it
 * judges the service when its turn comes.
 */
import type { ResolvedVariables, ServiceSpec } from '../config/types.js';
import { assertNotHeld } from '../state/chain/index.js';
import type { DeploymentRecord, LogEntry, StateLog } from '../state/types.js';
import { ConfigError, OrbitError, formatDiagnostic } from '../util/errors.js';
import { releaseHold } from './holds.js';
import type { ServiceStatus } from './status.js';

/** Why the deployment is made: logged as the `deploy-started` entry's reason. */
export type SyncWhy = 'sync' | 'release' | 'self-heal';

export interface SyncRequest {
  release?: boolean;
  why?: SyncWhy;
  /** How the author was verified (an API identity): recorded on the entries it causes. */
  verifiedBy?: string | null;
}

export interface SyncResult {
  service: string;
  /** `deployed`: a deployment ran (see its status); `nothing`: nothing to do (`message` says why); `rejected`: the head's config does not load. */
  action: 'deployed' | 'nothing' | 'rejected';
  message: string;
  /** The hold this call lifted. */
  released: boolean;
  deployment: DeploymentRecord | null;
  error: { code: string; message: string } | null;
}

export interface SyncHost {
  readonly state: StateLog;
  now(): Date;
  write(entry: LogEntry): Promise<void>;
  status(): Promise<ServiceStatus[]>;
  load(service: string, commit: string): Promise<{ spec: ServiceSpec; vars: ResolvedVariables }>;
  deploySync(
    service: string,
    commit: string,
    author: string,
    loaded: { spec: ServiceSpec; vars: ResolvedVariables },
    why: SyncWhy,
    retryOf: string | null,
    verifiedBy?: string | null,
  ): Promise<DeploymentRecord>;
}

export async function runSync(
  host: SyncHost,
  service: string,
  author: string,
  req: SyncRequest = {},
): Promise<SyncResult> {
  const why = req.why ?? 'sync';
  const status = (await host.status()).find((s) => s.service === service);
  if (!status) {
    throw new OrbitError('E_UNKNOWN_SERVICE', `no service ${service} in the log or on the branch`, {
      service,
    });
  }
  const result = (action: SyncResult['action'], message: string, released = false): SyncResult => ({
    service,
    action,
    message,
    released,
    deployment: null,
    error: null,
  });
  if (status.health === 'blocked' || status.health === 'unwind-failed') {
    throw new OrbitError(
      'E_NEEDS_A_PERSON',
      `${service} is ${status.health}: ${status.health_reason?.message ?? ''}; ${status.health_reason?.run ?? ''}`,
      { service, health: status.health },
    );
  }
  const reason = status.sync_reason;
  if (status.sync === 'synced' || !reason?.syncable) {
    // A hold on a service that has nothing to deploy is still lifted when asked.
    const released = req.release
      ? await releaseHold(host, service, { author, verifiedBy: req.verifiedBy, why: `orbit ${why}` })
      : false;
    const why2 =
      status.sync === 'synced'
        ? `is synced with the branch at ${short(status.branch_commit)}`
        : `is out of sync, but ${reason!.message}`;
    return result(
      'nothing',
      `${service} ${why2}: nothing to deploy${released ? ' (hold released)' : ''}`,
      released,
    );
  }
  assertNotHeld(service, await host.state.service(service), req.release === true);
  const commit = status.branch_commit!;
  let loaded: { spec: ServiceSpec; vars: ResolvedVariables };
  try {
    loaded = await host.load(service, commit);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const error = { code: err.code, message: err.diagnostics.map(formatDiagnostic).join('\n') };
    return {
      ...result('rejected', `${service}: commit ${short(commit)} does not load: ${error.message}`),
      error,
    };
  }
  const released = req.release
    ? await releaseHold(host, service, { author, verifiedBy: req.verifiedBy, why: `orbit ${why}`, commit })
    : false;
  // Re-running what Orbit was stopped in counts as a retry of it, so retries stay bounded.
  const retryOf = reason.code === 'interrupted' ? status.latest : null;
  const d = await host.deploySync(service, commit, author, loaded, why, retryOf, req.verifiedBy ?? null);
  return {
    service,
    action: 'deployed',
    message: `${d.deploy_id}: ${d.status}`,
    released,
    deployment: d,
    error: d.error,
  };
}

const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : '-');
