import type { DeploymentRecord, EventKind, LogEntry, ServiceView, StepRecord, StepStatus } from './types.js';
import {
  afterHeld,
  afterReleased,
  afterStarted,
  afterSuccess,
  afterUnwind,
  linkedBySuccess,
  statusAfterUnwind,
} from './chain/index.js';
import { STATE_FORMAT_VERSION } from './format.js';
import { sequenceOf } from './paths.js';

/**
 * The projection: how one entry changes the denormalised views. Pure and synchronous; the
 * caller loads the views it needs (see `viewsNeeded`) and writes back what it returns.
 */
export interface ViewSource {
  service(serviceId: string): ServiceView | undefined;
  deployment(deployId: string): DeploymentRecord | undefined;
  stepLog(deployId: string, stepIndex: number): string | undefined;
}

export interface StepLogChange {
  service_id: string;
  deploy_id: string;
  step_index: number;
  step_name: string;
  log: string;
}

export interface ViewChanges {
  services: ServiceView[];
  deployments: DeploymentRecord[];
  stepLogs: StepLogChange[];
  cursor: { config_commit: string | null } | null;
}

/** Separates a step's forward log from its reverse log in the step's log file. */
export const REVERSE_LOG_SEPARATOR = '\n----- reverse -----\n';

export function emptyService(serviceId: string): ServiceView {
  return {
    format_version: STATE_FORMAT_VERSION,
    service_id: serviceId,
    current: null,
    redeployable: null,
    last_sequence: 0,
    last_config_commit: null,
    rejected: null,
    in_flight: null,
    latest: null,
    hold: null,
  };
}

function newRecord(e: LogEntry, deployId: string, status: DeploymentRecord['status']): DeploymentRecord {
  return {
    format_version: STATE_FORMAT_VERSION,
    deploy_id: deployId,
    service_id: e.service_id,
    sequence: sequenceOf(deployId),
    status,
    config_commit: e.config_commit,
    author: e.author,
    ...(e.verified_by ? { verified_by: e.verified_by } : {}),
    started_time: e.applied_time,
    finished_time: null,
    previous_deploy_id: e.previous_deploy_id,
    replaced_by: null,
    redeploy_of: e.redeploy_of,
    ...(e.retry_of ? { retry_of: e.retry_of } : {}),
    values: e.values,
    step_count: e.step_count,
    steps: [],
    unwind: null,
    error: null,
  };
}

function newStep(e: LogEntry, index: number): StepRecord {
  const name = e.step_name ?? `step-${index}`;
  return {
    step_id: e.step_id ?? `${e.deploy_id}/${index}-${name}`,
    step_name: name,
    step_index: index,
    status: 'started',
    agent: e.forward_action?.agent ?? e.reverse_action?.agent ?? '',
    forward_action: e.forward_action,
    reverse_action: e.reverse_action,
    outputs: {},
    exit_code: null,
    started_time: e.applied_time,
    duration_ms: null,
    reverse_exit_code: null,
    reverse_duration_ms: null,
    error: null,
  };
}

/** Which deployment records the projection of `entry` reads, given the entry's own record. */
export function relatedDeployments(entry: LogEntry, own: DeploymentRecord | undefined): string[] {
  if (entry.kind !== 'deploy-succeeded') return [];
  return linkedBySuccess({
    previous_deploy_id: own?.previous_deploy_id ?? entry.previous_deploy_id,
    redeploy_of: own?.redeploy_of ?? entry.redeploy_of,
  });
}

/** What a reducer gets: the entry, the views it may read, and helpers that copy before changing. */
interface Context {
  e: LogEntry;
  views: ViewSource;
  out: ViewChanges;
  /** A copy of the entry's service view (a new one when absent). */
  service(): ServiceView;
  /**
   * A copy of the entry's deployment record (a new one with `status` when absent): its fields
   * may be set, its steps changed only through `step`.
   */
  record(status?: DeploymentRecord['status']): DeploymentRecord;
  /** A copy of the record's step of the entry's `step_index` (added when absent), in the record. */
  step(rec: DeploymentRecord): StepRecord;
  setLog(rec: DeploymentRecord, s: StepRecord, log: string): void;
}

type Reducer = (c: Context) => void;

const stepForward: Reducer = ({ e, out, record, step, setLog }) => {
  const rec = record();
  const s = step(rec);
  const status: StepStatus =
    e.kind === 'step-started' ? 'started' : e.kind === 'step-applied' ? 'applied' : 'failed';
  s.status = status;
  if (e.step_name) s.step_name = e.step_name;
  if (e.step_id) s.step_id = e.step_id;
  s.forward_action = e.forward_action ?? s.forward_action;
  s.reverse_action = e.reverse_action ?? s.reverse_action;
  s.agent = s.forward_action?.agent ?? s.agent;
  if (e.kind === 'step-started') {
    s.started_time = e.applied_time;
    s.in_doubt = e.in_doubt ?? null;
    s.run_tag = e.run_tag ?? null;
  } else {
    s.outputs = { ...e.outputs };
    s.exit_code = e.exit_code;
    s.duration_ms = e.duration_ms;
    s.error = e.error;
    if (e.kind === 'step-failed' && e.error) rec.error = e.error;
    if (e.kind === 'step-failed' && e.stderr_tail?.length) s.stderr_tail = [...e.stderr_tail];
  }
  if (e.kind !== 'step-started' || e.log) setLog(rec, s, e.log);
  out.deployments.push(rec);
};

const stepReverse: Reducer = ({ e, views, out, record, step, setLog }) => {
  const rec = record();
  const s = step(rec);
  s.status = e.kind === 'step-reversed' ? 'reversed' : 'reverse-failed';
  s.reverse_exit_code = e.exit_code;
  s.reverse_duration_ms = e.duration_ms;
  if (e.reverse_action) s.reverse_action = e.reverse_action;
  if (e.kind === 'step-reverse-failed') s.error = e.error;
  if (e.kind === 'step-reverse-failed' && e.stderr_tail?.length) s.stderr_tail = [...e.stderr_tail];
  const before = views.stepLog(rec.deploy_id, s.step_index) ?? '';
  setLog(rec, s, before + REVERSE_LOG_SEPARATOR + e.log);
  out.deployments.push(rec);
};

/** One reducer per event kind: the compiler checks that every kind has one. */
const REDUCERS = {
  'deploy-started': ({ e, views, out, service }) => {
    const rec = newRecord(e, e.deploy_id!, 'running');
    const svc = afterStarted(service(), rec);
    // A deployment that waited for its window keeps the record of that wait.
    const waited = views.deployment(rec.deploy_id)?.window;
    if (waited) rec.window = waited;
    leaveWaiting(svc, rec.deploy_id);
    svc.last_sequence = Math.max(svc.last_sequence, rec.sequence);
    svc.in_flight = rec.deploy_id;
    svc.last_config_commit = e.config_commit;
    svc.rejected = null;
    if (svc.dependency_skip) svc.dependency_skip = null;
    if (e.dependencies) rec.dependencies = e.dependencies;
    out.deployments.push(rec);
    out.services.push(svc);
  },
  'step-started': stepForward,
  'step-applied': stepForward,
  'step-failed': stepForward,
  'deploy-succeeded': ({ e, views, out, service, record }) => {
    const rec = record();
    rec.status = 'succeeded';
    rec.finished_time = e.applied_time;
    rec.error = null;
    out.deployments.push(rec);
    const prevId = rec.previous_deploy_id ?? e.previous_deploy_id;
    const redeployOf = rec.redeploy_of ?? e.redeploy_of;
    const changed = afterSuccess(
      service(),
      rec,
      prevId ? views.deployment(prevId) : undefined,
      redeployOf ? views.deployment(redeployOf) : undefined,
    );
    if (changed.replaced) out.deployments.push(structuredClone(changed.replaced));
    out.services.push(changed.view);
  },
  'unwind-started': ({ e, out, service, record }) => {
    const rec = record();
    rec.status = 'unwinding';
    rec.unwind = { reason: e.reason ?? 'user', author: e.author, time: e.applied_time };
    const svc = service();
    svc.in_flight = rec.deploy_id;
    out.deployments.push(rec);
    out.services.push(svc);
  },
  'reverse-started': ({ e, out, record, step }) => {
    const rec = record();
    const s = step(rec);
    s.status = 'reversing';
    s.run_tag = e.run_tag ?? null;
    out.deployments.push(rec);
  },
  'unwind-blocked': ({ e, out, record }) => {
    const rec = record();
    rec.status = 'unwind-blocked';
    if (e.error) rec.error = e.error;
    // Stays in flight, so `orbit unwind <service>` resumes it and `orbit status` shows it.
    out.deployments.push(rec);
  },
  'step-reversed': stepReverse,
  'step-reverse-failed': stepReverse,
  'deploy-unwound': ({ e, out, service, record }) => {
    const rec = record();
    rec.status = statusAfterUnwind(e.reason ?? rec.unwind?.reason ?? 'user');
    rec.finished_time = e.applied_time;
    if (e.error) rec.error = e.error;
    out.deployments.push(rec);
    out.services.push(afterUnwind(service(), rec));
  },
  'unwind-failed': ({ e, out, service, record }) => {
    const rec = record();
    rec.status = 'unwind-failed';
    rec.finished_time = e.applied_time;
    if (e.error) rec.error = e.error;
    const svc = service();
    svc.in_flight = null;
    out.deployments.push(rec);
    out.services.push(svc);
  },
  'deploy-skipped': ({ e, out, service, record }) => {
    const svc = service();
    svc.last_config_commit = e.config_commit;
    if (svc.dependency_skip) svc.dependency_skip = null;
    if (e.deploy_id) {
      const rec = record('skipped');
      rec.status = 'skipped';
      rec.finished_time = e.applied_time;
      leaveWaiting(svc, rec.deploy_id);
      svc.last_sequence = Math.max(svc.last_sequence, rec.sequence);
      out.deployments.push(rec);
    }
    out.services.push(svc);
  },
  // Like a skip, with the dependency that did not get through, kept on the record and the view.
  'dependency-skipped': ({ e, out, service, record }) => {
    const svc = service();
    const rec = record('skipped');
    rec.status = 'skipped';
    rec.finished_time = e.applied_time;
    rec.error = e.error;
    rec.skipped_for = e.skipped_for ?? null;
    svc.last_config_commit = e.config_commit;
    svc.last_sequence = Math.max(svc.last_sequence, rec.sequence);
    svc.dependency_skip = {
      deploy_id: rec.deploy_id,
      config_commit: e.config_commit,
      reason: e.reason ?? '',
    };
    out.deployments.push(rec);
    out.services.push(svc);
  },
  'commit-rejected': ({ e, out, service }) => {
    if (!e.service_id) return; // a directory that is no service name: no service view to mark
    const svc = service();
    svc.dependency_skip = null;
    svc.rejected = {
      config_commit: e.config_commit ?? '',
      error: e.error ?? { code: 'E_CONFIG_INVALID', message: 'rejected' },
    };
    svc.last_config_commit = e.config_commit;
    out.services.push(svc);
  },
  'step-acked': ({ e, out, record, step }) => {
    const rec = record();
    const s = step(rec);
    s.acked = { by: e.author, time: e.applied_time };
    s.approvals = [
      ...(s.approvals ?? []),
      { by: e.author, time: e.applied_time, verified_by: e.verified_by ?? null },
    ];
    out.deployments.push(rec);
  },
  // The unwind's wait for an approval: the deployment itself is unchanged until `unwind-started`.
  'unwind-waiting': ({ e, out, record }) => {
    const rec = record();
    rec.unwind_approval = {
      state: 'waiting',
      reason: e.reason ?? '',
      author: e.author,
      since: e.applied_time,
      by: null,
      time: null,
    };
    out.deployments.push(rec);
  },
  'unwind-approved': ({ e, out, record }) => {
    const rec = record();
    if (rec.unwind_approval)
      rec.unwind_approval = { ...rec.unwind_approval, state: 'approved', by: e.author, time: e.applied_time };
    out.deployments.push(rec);
  },
  'unwind-not-approved': ({ e, out, record }) => {
    const rec = record();
    if (rec.unwind_approval)
      rec.unwind_approval = { ...rec.unwind_approval, state: 'not-approved', time: e.applied_time };
    out.deployments.push(rec);
  },
  'commit-seen': ({ e, out }) => {
    out.cursor = { config_commit: e.config_commit };
  },
  'check-result': ({ e, out, record }) => {
    const rec = record();
    if (!e.check) return;
    rec.checks = { ...rec.checks, [e.check.name]: { ...e.check, time: e.applied_time } };
    if (e.check.status === 'failed' && e.error) rec.error = e.error;
    out.deployments.push(rec);
  },
  'deploy-waiting': ({ e, out, service, record }) => {
    const rec = record('waiting-window');
    rec.status = 'waiting-window';
    rec.window = { opens_at: e.window?.opens_at ?? null, reason: e.reason ?? '', since: e.applied_time };
    const svc = service();
    svc.last_sequence = Math.max(svc.last_sequence, rec.sequence);
    svc.last_config_commit = e.config_commit;
    svc.rejected = null;
    if (svc.dependency_skip) svc.dependency_skip = null;
    svc.waiting = [...(svc.waiting ?? []).filter((id) => id !== rec.deploy_id), rec.deploy_id];
    out.deployments.push(rec);
    out.services.push(svc);
  },
  'window-overridden': ({ e, out, record }) => {
    const rec = record();
    const overridden = { by: e.author, reason: e.reason ?? '', time: e.applied_time };
    rec.window = { opens_at: null, reason: '', since: e.applied_time, ...rec.window, overridden };
    out.deployments.push(rec);
  },
  'service-held': ({ e, out, service }) => {
    out.services.push(afterHeld(service(), e));
  },
  'service-released': ({ out, service }) => {
    out.services.push(afterReleased(service()));
  },
  // An audit record only: a notification changes no deployment.
  'notify-failed': () => undefined,
} satisfies Record<EventKind, Reducer>;

/** A waiting deployment that started or was superseded waits no more. */
function leaveWaiting(svc: ServiceView, deployId: string): void {
  if (svc.waiting?.includes(deployId)) svc.waiting = svc.waiting.filter((id) => id !== deployId);
}

/** Kinds that mean nothing without a deployment id (a malformed entry changes no view). */
const OPTIONAL_DEPLOYMENT: ReadonlySet<EventKind> = new Set([
  'deploy-skipped',
  'commit-rejected',
  'commit-seen',
  'service-held',
  'service-released',
  'notify-failed',
]);

export function applyEntry(views: ViewSource, entry: LogEntry): ViewChanges {
  const out: ViewChanges = { services: [], deployments: [], stepLogs: [], cursor: null };
  const e = entry;
  const D = e.deploy_id;
  if (!D && !OPTIONAL_DEPLOYMENT.has(e.kind)) return out;
  const context: Context = {
    e,
    views,
    out,
    service: () => structuredClone(views.service(e.service_id)) ?? emptyService(e.service_id),
    // Copy on write: the record and its list of steps are copied, a step only when a reducer asks
    // for it (`step`), as no reducer changes anything else inside a record. A deep copy of the
    // whole record per entry made a deployment's appends O(steps²).
    record: (status = 'running') => {
      const found = D ? views.deployment(D) : undefined;
      return found ? { ...found, steps: [...found.steps] } : newRecord(e, D ?? '', status);
    },
    step: (rec) => {
      const index = e.step_index ?? 0;
      const at = rec.steps.findIndex((x) => x.step_index === index);
      if (at >= 0) return (rec.steps[at] = structuredClone(rec.steps[at]!));
      const s = newStep(e, index);
      rec.steps.push(s);
      rec.steps.sort((a, b) => a.step_index - b.step_index);
      return s;
    },
    setLog: (rec, s, log) => {
      out.stepLogs.push({
        service_id: rec.service_id,
        deploy_id: rec.deploy_id,
        step_index: s.step_index,
        step_name: s.step_name,
        log,
      });
    },
  };
  // Entries are checked on append (`normaliseEntry`); a kind this Orbit does not know changes nothing.
  if (Object.hasOwn(REDUCERS, e.kind)) (REDUCERS[e.kind] as Reducer)(context);
  return out;
}

/**
 * Steps an unwind of this deployment still has to reverse, newest first: applied ones, those whose
 * reverse may have started, and those whose forward may have run (in doubt, unless they opt out).
 */
export function unwindPlanOf(rec: DeploymentRecord): StepRecord[] {
  return rec.steps
    .filter((s) => s.status === 'applied' || s.status === 'reversing' || inDoubt(s))
    .sort((a, b) => b.step_index - a.step_index)
    .map((s) => structuredClone(s));
}

/** A step Orbit stopped in while its forward ran, whose reverse is to run (or block) at least once. */
export function inDoubt(s: StepRecord): boolean {
  return (
    s.status === 'failed' &&
    s.error?.code === 'E_INTERRUPTED' &&
    (s.in_doubt === 'reverse' || s.in_doubt === 'blocked')
  );
}
