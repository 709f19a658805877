/**
 * Is the service healthy, and if not, what is going on and who must act. One rule per state,
 * tried in order; the first that applies is the service's health. Adding a state (a running
 * check) is one entry here.
 */
import type { DeploymentRecord, StepRecord } from '../../state/types.js';
import { approvalState, type ApprovalState } from '../approval.js';
import { checkPhase } from '../checks/phase.js';
import type { ServiceFacts } from './facts.js';

export type HealthState =
  'healthy' | 'progressing' | 'verifying' | 'waiting-approval' | 'failed' | 'unwind-failed' | 'blocked';

export interface HealthReason {
  message: string;
  deployment: string;
  /** The step concerned: running, waiting, failed. */
  step: { index: number; name: string; status: string } | null;
  since: string | null;
  error: { code: string; message: string } | null;
  /** A failed step's last stderr lines, as recorded (masked) with the step. */
  stderr_tail: string[];
  /** waiting-approval: who may approve (null: anyone who may call the API), and until when. */
  approvers?: string[] | null;
  /** waiting-approval: how many it takes, who has approved, who still may, who may not (caused it). */
  approval?: ApprovalState;
  until?: string | null;
  /** verifying: the check the deployment waits on, its newest value and the bake time left. */
  check?: { name: string; status: string; value: string; reason: string | null; bake_left_ms: number };
  /** What a person runs next, when one must act. */
  run: string | null;
}

interface HealthRule {
  state: Exclude<HealthState, 'healthy'>;
  applies(f: ServiceFacts): HealthReason | null;
}

const STDERR_LINES = 10;

/** The failed step's recorded stderr tail, read defensively (older records have none). */
export function stderrTail(step: StepRecord | null | undefined): string[] {
  const raw = (step as { stderr_tail?: unknown } | null | undefined)?.stderr_tail;
  if (!Array.isArray(raw)) return [];
  return raw.filter((l): l is string => typeof l === 'string').slice(-STDERR_LINES);
}

const stepOf = (s: StepRecord | undefined): HealthReason['step'] =>
  s ? { index: s.step_index, name: s.step_name, status: s.status } : null;

const label = (s: StepRecord | undefined): string => (s ? `step ${s.step_index + 1} ${s.step_name}` : '');

/** The step an ended deployment stopped at: the failed forward, or the failed reverse. */
const failedStep = (d: DeploymentRecord, status: 'failed' | 'reverse-failed'): StepRecord | undefined =>
  [...d.steps].reverse().find((s) => s.status === status);

const reason = (d: DeploymentRecord, fields: Partial<HealthReason> & { message: string }): HealthReason => ({
  deployment: d.deploy_id,
  step: null,
  since: null,
  error: d.error,
  stderr_tail: [],
  run: null,
  ...fields,
});

const RULES: HealthRule[] = [
  {
    state: 'blocked',
    applies: ({ inFlight: d, service }) => {
      if (d?.status !== 'unwind-blocked') return null;
      const needsHand = d.error?.code === 'E_IN_DOUBT_NEEDS_OUTPUTS';
      return reason(d, {
        message: `${d.deploy_id}: unwind blocked: ${d.error?.code ?? ''} ${d.error?.message ?? ''}`.trim(),
        run: needsHand ? `orbit unwind ${d.deploy_id} --in-doubt-done` : `orbit unwind ${service}`,
      });
    },
  },
  {
    state: 'unwind-failed',
    applies: ({ latest, current, service }) => {
      const d = [latest, current].find((x) => x?.status === 'unwind-failed');
      if (!d) return null;
      const step = failedStep(d, 'reverse-failed');
      const isCurrent = current?.deploy_id === d.deploy_id;
      return reason(d, {
        message: `${d.deploy_id}: the reverse of ${label(step) || 'a step'} failed: ${d.error?.message.split('\n')[0] ?? ''}`,
        step: stepOf(step),
        since: d.finished_time,
        stderr_tail: stderrTail(step),
        // Undo what the failed reverse left by hand first; then the unwind goes on, or Orbit moves on.
        run: isCurrent
          ? `undo it by hand (orbit show ${d.deploy_id}), then \`orbit unwind ${service}\` goes on with the steps left`
          : `undo what is left of it by hand (orbit show ${d.deploy_id}), then \`orbit release ${service}\` deploys the branch head`,
      });
    },
  },
  {
    state: 'waiting-approval',
    applies: ({ inFlight, current, waitingAck: w }) => {
      const d = inFlight ?? (w?.unwind ? current : null);
      if (!d || !w) return null;
      const step = w.unwind ? undefined : d.steps.find((s) => s.step_name === w.stepName);
      const approval = approvalState(w, d);
      const by = approval.approved.map((a) => a.by);
      const so_far = [
        approval.required > 1 ? `${approval.approved.length} of ${approval.required}` : null,
        by.length ? `approved by ${by.join(', ')}` : null,
      ].filter(Boolean);
      return reason(d, {
        message: `${d.deploy_id}: ${label(step) || w.stepName} waits for an approval${so_far.length ? ` (${so_far.join('; ')})` : ''}`,
        approval,
        step: stepOf(step),
        since: w.since,
        approvers: w.approvers,
        until: new Date(Date.parse(w.since) + w.timeoutMs).toISOString(),
        run: `orbit ack ${d.deploy_id}`,
        error: null,
      });
    },
  },
  {
    state: 'verifying',
    applies: ({ inFlight: d, now }) => {
      const p = d ? checkPhase(d, now) : null;
      if (!d || !p) return null;
      const left = Math.ceil(p.bake_left_ms / 1000);
      return reason(d, {
        message: `${d.deploy_id}: check ${p.check} ${p.status} (${p.value}${p.reason ? `: ${p.reason}` : ''}), ${left}s of its bake left`,
        check: {
          name: p.check,
          status: p.status,
          value: p.value,
          reason: p.reason,
          bake_left_ms: p.bake_left_ms,
        },
        error: null,
      });
    },
  },
  {
    state: 'progressing',
    applies: ({ inFlight: d, stale }) => {
      if (!d) return null;
      const step = [...d.steps].reverse().find((s) => s.status === 'started' || s.status === 'reversing');
      const what = d.status === 'unwinding' ? `unwinding (${d.unwind?.reason ?? 'user'})` : 'deploying';
      // Left by a crash: it is not moving, and the next start of Orbit resolves it.
      const stopped = stale ? ', stopped: no Orbit process runs it' : '';
      return reason(d, {
        message: `${d.deploy_id}: ${what}${step ? `, ${label(step)} since ${step.started_time}` : ''}${stopped}`,
        step: stepOf(step),
        since: step?.started_time ?? d.started_time,
        error: null,
        run: stale ? 'orbit reconcile (or start the daemon)' : null,
      });
    },
  },
  {
    state: 'failed',
    applies: ({ latest: d, service }) => {
      if (d?.status !== 'failed') return null;
      const step = failedStep(d, 'failed');
      return reason(d, {
        message:
          `${d.deploy_id} failed at ${label(step) || 'a step'}: ${d.error ? `${d.error.code} ${d.error.message.split('\n')[0]}` : ''}`.trimEnd(),
        step: stepOf(step),
        since: d.finished_time,
        stderr_tail: stderrTail(step),
        run: `fix it in a new commit, or \`orbit release ${service}\` to deploy the branch head again`,
      });
    },
  },
];

export function healthOf(f: ServiceFacts): { health: HealthState; reason: HealthReason | null } {
  for (const r of RULES) {
    const found = r.applies(f);
    if (found) return { health: r.state, reason: found };
  }
  return { health: 'healthy', reason: null };
}
