/**
 * Runs the checks that follow one step (or the last one) until each has baked or one has failed:
 * every interval a probe, through the pure bake machine; an entry when a check's result changes
 * (not one per probe). The executor unwinds a failed verification like a failed step.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckSpec } from '../../config/types.js';
import { newEntry } from '../../state/index.js';
import type { CheckEntry, LogEntry } from '../../state/types.js';
import { maskText } from '../../util/secrets.js';
import { write } from '../agent-call.js';
import { afterProbe, startBake, type BakeStep } from './bake.js';
import { runProbe, type ProbeContext } from './probe.js';

export type Verdict = { kind: 'passed' } | { kind: 'failed'; check: CheckEntry } | { kind: 'interrupted' };

/** The checks that run after step `stepName` of `steps` (those with no `after` follow the last). */
export function checksAfter(
  checks: readonly CheckSpec[] | undefined,
  stepName: string,
  isLast: boolean,
): CheckSpec[] {
  return (checks ?? []).filter((c) => c.after === stepName || (isLast && c.after === null));
}

/** The error a failed verification records, naming the check and the value it saw. */
export function verificationError(c: CheckEntry): { code: 'E_CHECK_FAILED'; message: string } {
  return {
    code: 'E_CHECK_FAILED',
    message: `check "${c.name}" failed: saw ${c.value}${c.reason ? ` (${c.reason})` : ''}, ${c.failures_in_row} failed probe${c.failures_in_row === 1 ? '' : 's'} in a row`,
  };
}

export async function verify(
  checks: readonly CheckSpec[],
  ctx: ProbeContext,
  common: Partial<LogEntry>,
): Promise<Verdict> {
  if (checks.length === 0) return { kind: 'passed' };
  // One failing check ends the others' waits at once.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.deps.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const verdicts = checks.map(async (check): Promise<Verdict> => {
      const v = await bake(check, ctx, common, stop.signal);
      if (v.kind !== 'passed') stop.abort();
      return v;
    });
    const all = await Promise.all(verdicts);
    return (
      all.find((v) => v.kind === 'failed') ?? all.find((v) => v.kind === 'interrupted') ?? { kind: 'passed' }
    );
  } finally {
    ctx.deps.signal?.removeEventListener('abort', onAbort);
  }
}

async function bake(
  check: CheckSpec,
  ctx: ProbeContext,
  common: Partial<LogEntry>,
  signal: AbortSignal,
): Promise<Verdict> {
  const now = () => ctx.deps.now().getTime();
  let state = startBake(now());
  for (;;) {
    if (signal.aborted || ctx.deps.stopping?.()) return { kind: 'interrupted' };
    const started = now();
    const result = await runProbe(check, ctx);
    if (signal.aborted && !result.ok) return { kind: 'interrupted' };
    const step: BakeStep = afterProbe(check, state, result, now());
    state = step.state;
    const entry = entryOf(check, step, ctx);
    if (step.record) await record(ctx, common, entry);
    if (state.status === 'failed') return { kind: 'failed', check: entry };
    if (step.done) return { kind: 'passed' };
    const wait = Math.max(0, check.intervalMs - (now() - started));
    try {
      await sleep(wait, undefined, { signal });
    } catch {
      return { kind: 'interrupted' };
    }
  }
}

function entryOf(check: CheckSpec, step: BakeStep, ctx: ProbeContext): CheckEntry {
  const last = step.state.last!;
  // A check holds no secret (refused when rendered), but an exec check's output could quote
  // anything: mask it like a log.
  const mask = (t: string) => maskText(t, ctx.secrets);
  return {
    name: check.name,
    type: check.probe.kind,
    after: check.after,
    status: step.state.status,
    value: mask(last.value),
    reason: last.reason === null ? null : mask(last.reason),
    failures_in_row: step.state.failuresInRow,
    failures: check.failures,
    bake_left_ms: step.bakeLeftMs,
    probes: step.state.probes,
  };
}

async function record(ctx: ProbeContext, common: Partial<LogEntry>, check: CheckEntry): Promise<void> {
  await write(
    ctx.deps,
    newEntry('check-result', ctx.service, ctx.deps.now(), {
      ...common,
      check,
      ...(check.status === 'failed' ? { error: verificationError(check) } : {}),
    }),
  );
}
