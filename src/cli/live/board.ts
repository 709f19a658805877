/**
 * What the live display knows about running deployments, built from log entries only (the same
 * ones written to the state branch), so it shows exactly what the log will say.
 */
import type { LogEntry } from '../../state/types.js';

export type LiveStepStatus = 'running' | 'applied' | 'failed' | 'reversing' | 'reversed' | 'reverse-failed';

export interface LiveStep {
  index: number;
  name: string;
  status: LiveStepStatus;
  /** When the current action (forward, or reverse) started, ms since epoch. */
  since: number;
  durationMs: number | null;
  reverseMs: number | null;
  /** A failed run's last stderr lines, as its entry recorded them. */
  stderrTail: string[];
}

export type LivePhase = 'deploying' | 'unwinding' | 'succeeded' | 'failed' | 'unwound' | 'unwind-failed';

export interface LiveDeployment {
  id: string;
  service: string;
  title: string;
  phase: LivePhase;
  since: number;
  stepCount: number | null;
  steps: LiveStep[];
  error: string | null;
}

const FINAL = new Set(['deploy-succeeded', 'deploy-unwound', 'unwind-failed']);

export class Board {
  readonly active = new Map<string, LiveDeployment>();

  /** Applies one entry; returns the deployment when this entry finished it (it leaves the board). */
  apply(e: LogEntry, now = Date.now()): LiveDeployment | null {
    if (!e.deploy_id) return null;
    let d = this.active.get(e.deploy_id);
    if (!d) {
      if (e.kind === 'deploy-skipped' || e.kind === 'dependency-skipped') return null;
      d = {
        id: e.deploy_id,
        service: e.service_id,
        title: e.deploy_id,
        phase: e.kind === 'unwind-started' ? 'unwinding' : 'deploying',
        since: now,
        stepCount: e.step_count,
        steps: [],
        error: null,
      };
      this.active.set(d.id, d);
    }
    d.stepCount = e.step_count ?? d.stepCount;
    const step = e.step_index === null ? null : this.step(d, e, now);
    switch (e.kind) {
      case 'deploy-started':
        d.title = e.redeploy_of
          ? `redeploy of ${e.redeploy_of}`
          : `deploy${e.config_commit ? ` ${e.config_commit.slice(0, 7)}` : ''}`;
        break;
      case 'step-started':
        Object.assign(step!, { status: 'running', since: now });
        break;
      case 'step-applied':
        Object.assign(step!, { status: 'applied', durationMs: e.duration_ms });
        break;
      case 'step-failed':
        Object.assign(step!, {
          status: 'failed',
          durationMs: e.duration_ms,
          stderrTail: e.stderr_tail ?? [],
        });
        d.error = e.error?.message.split('\n')[0] ?? (e.exit_code !== null ? `exit ${e.exit_code}` : null);
        break;
      case 'unwind-started':
        d.phase = 'unwinding';
        if (e.reason !== 'failure') d.title = `unwind (${e.reason ?? 'user'})`;
        d.since = now;
        break;
      case 'step-reversed':
        Object.assign(step!, { status: 'reversed', reverseMs: e.duration_ms });
        break;
      case 'step-reverse-failed':
        Object.assign(step!, {
          status: 'reverse-failed',
          reverseMs: e.duration_ms,
          stderrTail: e.stderr_tail ?? [],
        });
        d.error = e.error?.message.split('\n')[0] ?? null;
        break;
      case 'deploy-succeeded':
        d.phase = 'succeeded';
        break;
      case 'deploy-unwound':
        d.phase = d.steps.some((s) => s.status === 'failed') ? 'failed' : 'unwound';
        break;
      case 'unwind-failed':
        d.phase = 'unwind-failed';
        break;
      case 'unwind-blocked':
        d.phase = 'unwind-failed';
        d.error = e.error?.message.split('\n')[0] ?? null;
        break;
      default:
        break;
    }
    // While unwinding, the next applied step (newest first) is the one being reversed.
    if (d.phase === 'unwinding') {
      const pending = d.steps.filter((s) => s.status === 'applied');
      const next = pending.at(-1);
      if (next && !d.steps.some((s) => s.status === 'reversing'))
        Object.assign(next, { status: 'reversing', since: now });
    }
    if (FINAL.has(e.kind)) {
      this.active.delete(d.id);
      return d;
    }
    return null;
  }

  private step(d: LiveDeployment, e: LogEntry, now: number): LiveStep {
    let s = d.steps.find((x) => x.index === e.step_index);
    if (!s) {
      s = {
        index: e.step_index!,
        name: e.step_name ?? `step ${e.step_index! + 1}`,
        status: 'running',
        since: now,
        durationMs: null,
        reverseMs: null,
        stderrTail: [],
      };
      d.steps.push(s);
      d.steps.sort((a, b) => a.index - b.index);
    }
    return s;
  }
}
