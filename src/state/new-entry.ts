import type { EventKind, LogEntry } from './types.js';

/** A log entry with every field present: what is not given is null/empty, never missing. */
export function newEntry(
  kind: EventKind,
  service: string,
  time: Date,
  fields: Partial<Omit<LogEntry, 'kind' | 'service_id'>> = {},
): LogEntry {
  return {
    kind,
    service_id: service,
    deploy_id: null,
    previous_deploy_id: null,
    next_deploy_id: null,
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
