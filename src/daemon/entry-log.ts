import { headline } from '../state/entry-codec.js';
import type { LogEntry } from '../state/types.js';
import type { Logger } from './logger.js';
import type { DaemonMetrics } from './metrics.js';

function entryFields(e: LogEntry): Record<string, unknown> {
  return {
    event: e.kind,
    service: e.service_id || undefined,
    deployment: e.deploy_id ?? undefined,
    step: e.step_id ?? undefined,
    commit: e.config_commit ?? undefined,
    author: e.author || undefined,
    duration_ms: e.duration_ms ?? undefined,
    exit_code: e.exit_code ?? undefined,
    reason: e.reason ?? undefined,
    error: e.error ?? undefined,
  };
}

/** What the daemon does with each entry the engine writes: count it, log it (headline as message). */
export function entryObserver(
  log: Logger,
  metrics: DaemonMetrics,
  then?: (e: LogEntry) => void,
): (e: LogEntry) => void {
  return (e) => {
    metrics.observe(e);
    const level = /failed|rejected/.test(e.kind) ? 'warn' : 'info';
    log[level](entryFields(e), headline(e));
    // A step's output is in the state branch; the log shows it only when asked (--log-level debug).
    if (e.log && e.step_id) log.debug({ step: e.step_id, output: e.log }, `${e.step_id}: output`);
    then?.(e);
  };
}
