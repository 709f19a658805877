/**
 * Deployments that arrived outside their schedule window: each is recorded as waiting
 * (`deploy-waiting`, with its deployment id and when the window opens), starts when the window
 * opens (the daemon's timer or the next `reconcile`), or at once on an override recorded with its
 * reason. A newer commit under `supersede` replaces a waiting one. Unwinds never wait for a window
 * (with `unwind_approval` one asked for outside it waits for an approval: ../unwind-approval.ts).
 */
import type { DeployPolicy, ResolvedVariables, ServiceSpec } from '../../config/types.js';
import { newEntry } from '../../state/index.js';
import type { DeploymentRecord, LogEntry, StateLog } from '../../state/types.js';
import { ConfigError, OrbitError, formatDiagnostic } from '../../util/errors.js';
import { deploymentId } from '../ids.js';
import { outcomeOf, type JobOutcome } from '../outcome.js';
import { isOpen, windowState, type WindowState } from './window.js';
import type { DeployExtras } from '../commit-job.js';

/** What the waiting logic needs from the engine (the engine implements it; no import back). */
export interface WindowHost {
  readonly state: StateLog;
  load(service: string, commit: string): Promise<{ spec: ServiceSpec; vars: ResolvedVariables }>;
  nextSequence(service: string): Promise<number>;
  now(): Date;
  write(entry: LogEntry): Promise<void>;
  deploy(
    service: string,
    commit: string,
    author: string,
    spec: ServiceSpec,
    vars: ResolvedVariables,
    redeployOf: string | null,
    more?: DeployExtras,
  ): Promise<DeploymentRecord>;
}

export interface Arrival {
  service: string;
  commit: { sha: string; author: string };
  spec: ServiceSpec;
  policy: DeployPolicy;
}

/**
 * Called before a commit's deployment starts. Under `supersede` it replaces the deployments
 * still waiting; under `queue` they go first (when the window is open). Returns the outcome
 * when the new one must wait, or null: deploy it now.
 */
export async function holdForWindow(host: WindowHost, a: Arrival): Promise<JobOutcome | null> {
  const waiting = (await host.state.service(a.service))?.waiting ?? [];
  const window = windowState(a.spec.schedule, host.now());
  if (a.policy === 'supersede') {
    for (const id of waiting) await skipWaiting(host, id, a.commit.sha);
  } else if (window.open) {
    for (const id of waiting) await deployWaiting(host, id);
  }
  return window.open ? null : wait(host, a, window);
}

async function wait(host: WindowHost, a: Arrival, window: WindowState): Promise<JobOutcome> {
  const deployId = deploymentId(a.service, await host.nextSequence(a.service));
  await host.write(
    newEntry('deploy-waiting', a.service, host.now(), {
      deploy_id: deployId,
      config_commit: a.commit.sha,
      author: a.commit.author,
      step_count: a.spec.steps.length,
      reason: window.reason,
      window: { opens_at: window.opensAt?.toISOString() ?? null },
    }),
  );
  return {
    kind: 'deploy',
    service: a.service,
    deployId,
    commit: a.commit.sha,
    status: 'waiting-window',
    error: null,
  };
}

async function skipWaiting(host: WindowHost, deployId: string, by: string): Promise<void> {
  const d = await host.state.deployment(deployId);
  if (!d || d.status !== 'waiting-window') return;
  await host.write(
    newEntry('deploy-skipped', d.service_id, host.now(), {
      deploy_id: deployId,
      config_commit: d.config_commit,
      author: d.author,
      reason: `superseded by ${by.slice(0, 12)}`,
    }),
  );
}

/**
 * Starts a waiting deployment from its own config commit, under its own id; with `override`,
 * `window-overridden` records who and why first.
 */
export async function deployWaiting(
  host: WindowHost,
  deployId: string,
  override?: { author: string; reason: string; verifiedBy?: string | null },
): Promise<JobOutcome> {
  const d = await host.state.deployment(deployId);
  if (!d || d.status !== 'waiting-window' || !d.config_commit)
    throw new OrbitError('E_NOTHING_WAITING', `${deployId} is not waiting for its window`, { deployId });
  const commit = d.config_commit;
  let loaded: { spec: ServiceSpec; vars: ResolvedVariables };
  try {
    loaded = await host.load(d.service_id, commit);
  } catch (err) {
    // E.g. a secret that is not set in this process now: it keeps waiting, and the outcome says why.
    if (!(err instanceof ConfigError)) throw err;
    const error = { code: err.code, message: err.diagnostics.map(formatDiagnostic).join('\n') };
    return { kind: 'deploy', service: d.service_id, deployId, commit, status: 'rejected', error };
  }
  if (override) {
    await host.write(
      newEntry('window-overridden', d.service_id, host.now(), {
        deploy_id: deployId,
        config_commit: commit,
        author: override.author,
        ...(override.verifiedBy ? { verified_by: override.verifiedBy } : {}),
        reason: override.reason,
      }),
    );
  }
  const { spec, vars } = loaded;
  const done = await host.deploy(d.service_id, commit, d.author, spec, vars, null, { existing: deployId });
  return outcomeOf('deploy', done, commit);
}

/** The deployments of `service` waiting for a window whose window is open at `now`, oldest first. */
export async function dueNow(host: WindowHost, service: string): Promise<string[]> {
  const waiting = (await host.state.service(service))?.waiting ?? [];
  const first = waiting[0] ? await host.state.deployment(waiting[0]) : null;
  if (!first?.config_commit) return [];
  // Computed from the same (immutable) config when it began to wait: no need to load it before.
  const opensAt = first.window?.opens_at ? Date.parse(first.window.opens_at) : null;
  if (opensAt !== null && host.now().getTime() < opensAt) return [];
  let spec: ServiceSpec;
  try {
    spec = (await host.load(service, first.config_commit)).spec;
  } catch (err) {
    if (err instanceof ConfigError) return [];
    throw err;
  }
  return isOpen(spec.schedule, host.now()) ? waiting : [];
}

/**
 * For status (the integrator wires it in): whether a service waits for its window, when it opens
 * and why, from the log alone (no config read).
 */
export async function waitingState(
  state: StateLog,
  service: string,
): Promise<{ waiting: boolean; deployments: string[]; opens_at: string | null; reason: string | null }> {
  const ids = (await state.service(service))?.waiting ?? [];
  const first = ids[0] ? await state.deployment(ids[0]) : null;
  return {
    waiting: ids.length > 0,
    deployments: ids,
    opens_at: first?.window?.opens_at ?? null,
    reason: first?.window?.reason ?? null,
  };
}
