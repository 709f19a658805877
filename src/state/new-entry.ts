import { STATE_FORMAT_VERSION } from './format.js';
import type { DeploymentRecord, EventKind, LogEntry, StepRecord } from './types.js';

/** A log entry with every field present: what is not given is null/empty, never missing. */
export function newEntry(
  kind: EventKind,
  service: string,
  time: Date,
  fields: Partial<Omit<LogEntry, 'kind' | 'service_id'>> = {},
): LogEntry {
  return {
    format_version: STATE_FORMAT_VERSION,
    kind,
    service_id: service,
    deploy_id: null,
    previous_deploy_id: null,
    step_id: null,
    previous_step_id: null,
    next_step_id: null,
    step_name: null,
    step_index: null,
    step_count: null,
    forward_action: null,
    reverse_action: null,
    applied_time: time.toISOString(),
    config_commit: null,
    author: '',
    duration_ms: null,
    exit_code: null,
    outputs: {},
    log: '',
    error: null,
    reason: null,
    values: null,
    redeploy_of: null,
    ...fields,
  };
}

/** An entry about one recorded step of a deployment, with the deployment's links filled in. */
export function stepEntry(
  kind: EventKind,
  d: DeploymentRecord,
  step: StepRecord,
  time: Date,
  fields: Partial<Omit<LogEntry, 'kind' | 'service_id'>> = {},
): LogEntry {
  return newEntry(kind, d.service_id, time, {
    deploy_id: d.deploy_id,
    previous_deploy_id: d.previous_deploy_id,
    config_commit: d.config_commit,
    step_id: step.step_id,
    step_name: step.step_name,
    step_index: step.step_index,
    step_count: d.step_count,
    ...fields,
  });
}
