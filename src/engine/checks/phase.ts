/**
 * What status shows for a deployment while its checks bake: `verifying`, the check, its newest
 * value and the bake time left. From the record alone (the newest `check-result` of each check),
 * so a reader of the log sees it as the writer does. For the status helper to wire in.
 */
import type { CheckEntry, DeploymentRecord } from '../../state/types.js';

export interface VerifyingPhase {
  phase: 'verifying';
  /** The check the deployment waits on: the failing one first, else the one with most bake left. */
  check: string;
  status: CheckEntry['status'];
  value: string;
  reason: string | null;
  /** Bake time left at the check's newest entry, counted on to `now`. */
  bake_left_ms: number;
}

export function checkPhase(d: DeploymentRecord, now: Date): VerifyingPhase | null {
  if (d.status !== 'running' || !d.checks) return null;
  const baking = Object.values(d.checks).filter((c) => c.status === 'passing' || c.status === 'failing');
  // A check of an earlier wave that passed is done; one baking now is after the newest applied step.
  if (baking.length === 0) return null;
  const left = (c: CheckEntry & { time: string }) =>
    Math.max(0, c.bake_left_ms - (now.getTime() - Date.parse(c.time)));
  const pick =
    baking.find((c) => c.status === 'failing') ?? [...baking].sort((a, b) => left(b) - left(a))[0]!;
  return {
    phase: 'verifying',
    check: pick.name,
    status: pick.status,
    value: pick.value,
    reason: pick.reason,
    bake_left_ms: left(pick),
  };
}
