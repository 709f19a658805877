/**
 * A check's verdict over time, as a pure state machine: each probe result goes in with the time,
 * what comes out says whether to record an entry (the first result, a change between passing and
 * failing, the verdict) and whether the check has passed (kept passing until `bake` was over) or
 * failed (`failures` failed probes in a row). No clock, no I/O: tests drive it with any times.
 */
import type { CheckSpec } from '../../config/types.js';

export interface ProbeResult {
  ok: boolean;
  /** What the probe saw: `status 200`, `exit 1`, `0.031`. */
  value: string;
  /** Why it failed (null when ok): `status 503, expected 200`, `connection refused`. */
  reason: string | null;
}

export type CheckStatus = 'passing' | 'failing' | 'passed' | 'failed';

export interface BakeState {
  startedAt: number;
  failuresInRow: number;
  last: ProbeResult | null;
  status: CheckStatus;
  probes: number;
}

export interface BakeStep {
  state: BakeState;
  /** Record an entry for this result (rate limit: not one per probe, one per change). */
  record: boolean;
  done: boolean;
  /** Milliseconds of bake left (0 once over). */
  bakeLeftMs: number;
}

export function startBake(now: number): BakeState {
  return { startedAt: now, failuresInRow: 0, last: null, status: 'passing', probes: 0 };
}

export function afterProbe(check: CheckSpec, state: BakeState, result: ProbeResult, now: number): BakeStep {
  const failuresInRow = result.ok ? 0 : state.failuresInRow + 1;
  // The bake is counted from the first result: a first probe that took long has not baked.
  const startedAt = state.probes === 0 ? now : state.startedAt;
  const bakeLeftMs = Math.max(0, check.bakeMs - (now - startedAt));
  const status: CheckStatus =
    failuresInRow >= check.failures
      ? 'failed'
      : result.ok && bakeLeftMs === 0
        ? 'passed'
        : result.ok
          ? 'passing'
          : 'failing';
  const next: BakeState = { startedAt, failuresInRow, last: result, status, probes: state.probes + 1 };
  const done = status === 'passed' || status === 'failed';
  const record = state.last === null || done || state.last.ok !== result.ok;
  return { state: next, record, done, bakeLeftMs };
}
