/**
 * Prometheus metrics (prom-client), all prefixed `orbit_`. Counters are fed from the engine's
 * `observe` hook, so they count exactly what is written to the log.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LogEntry } from '../state/types.js';

export interface DaemonMetrics {
  readonly registry: Registry;
  observe(entry: LogEntry): void;
  reconciled(at?: Date): void;
  pollError(code: string): void;
  webhook(result: 'triggered' | 'ignored' | 'rejected' | 'duplicate'): void;
  fetch(result: 'ok' | 'error'): void;
}

const DEPLOY_OUTCOME: Partial<Record<LogEntry['kind'], string>> = {
  'deploy-succeeded': 'succeeded',
  'unwind-failed': 'unwind-failed',
  'deploy-skipped': 'skipped',
  'dependency-skipped': 'skipped',
  'commit-rejected': 'rejected',
};

const STEP_OUTCOME: Partial<Record<LogEntry['kind'], string>> = {
  'step-applied': 'applied',
  'step-failed': 'failed',
  'step-reversed': 'reversed',
  'step-reverse-failed': 'reverse-failed',
};

export function createMetrics(queueDepth: () => number): DaemonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'orbit_' });
  const deployments = new Counter({
    name: 'orbit_deployments_total',
    help: 'Deployments finished, by outcome (succeeded, failed, unwound, unwind-failed, skipped, rejected)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const steps = new Counter({
    name: 'orbit_steps_total',
    help: 'Agent steps finished, by outcome (applied, failed, reversed, reverse-failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const stepDuration = new Histogram({
    name: 'orbit_step_duration_seconds',
    help: 'Duration of agent steps, by action (forward, reverse) and outcome',
    labelNames: ['action', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
  new Gauge({
    name: 'orbit_queue_depth',
    help: 'Jobs (deployments, unwinds, redeploys) waiting behind a running one',
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  const lastReconcile = new Gauge({
    name: 'orbit_last_reconcile_timestamp_seconds',
    help: 'Unix time of the last successful look at the config branch',
    registers: [registry],
  });
  const pollErrors = new Counter({
    name: 'orbit_poll_errors_total',
    help: 'Failed looks at the config branch, by error code (E_CONFIG_REWRITTEN, E_UNKNOWN_BRANCH, ...)',
    labelNames: ['code'],
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'orbit_webhooks_total',
    help: 'Push webhooks received, by result (triggered, ignored, rejected, duplicate)',
    labelNames: ['result'],
    registers: [registry],
  });
  const fetches = new Counter({
    name: 'orbit_fetches_total',
    help: 'Fetches of a remote config repository, by result',
    labelNames: ['result'],
    registers: [registry],
  });

  return {
    registry,
    observe(e) {
      const deploy =
        e.kind === 'deploy-unwound'
          ? e.reason === 'failure'
            ? 'failed'
            : 'unwound'
          : DEPLOY_OUTCOME[e.kind];
      if (deploy) deployments.inc({ outcome: deploy });
      const step = STEP_OUTCOME[e.kind];
      if (step) {
        steps.inc({ outcome: step });
        if (e.duration_ms !== null) {
          const action = e.kind.startsWith('step-reverse') ? 'reverse' : 'forward';
          stepDuration.observe({ action, outcome: step }, e.duration_ms / 1000);
        }
      }
    },
    reconciled(at = new Date()) {
      lastReconcile.set(at.getTime() / 1000);
    },
    pollError(code) {
      pollErrors.inc({ code });
    },
    webhook(result) {
      webhooks.inc({ result });
    },
    fetch(result) {
      fetches.inc({ result });
    },
  };
}
