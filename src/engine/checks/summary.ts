/** How plan and preview show a check: plain data for `--json`, one line for text. */
import type { CheckSpec } from '../../config/types.js';

export interface CheckSummary {
  name: string;
  type: string;
  /** The step it follows; null: the last one. */
  after: string | null;
  interval_ms: number;
  timeout_ms: number;
  bake_ms: number;
  failures: number;
  /** What a probe does: `GET http://... expects 200`, `max(errors) < 0.01 at http://...`. */
  probe: string;
}

function probeText(c: CheckSpec): string {
  const p = c.probe;
  if (p.kind === 'http')
    return `GET ${p.url} expects ${p.expectStatus}${p.bodyMatch !== null ? ` and a body matching /${p.bodyMatch}/` : ''}`;
  if (p.kind === 'exec')
    return `runs ${JSON.stringify(p.command)}${p.workdir !== undefined ? ` in ${p.workdir}` : ''}, expects exit 0`;
  return `${p.query} ${p.condition.op} ${p.condition.value} at ${p.url}`;
}

export function checkSummary(c: CheckSpec): CheckSummary {
  return {
    name: c.name,
    type: c.probe.kind,
    after: c.after,
    interval_ms: c.intervalMs,
    timeout_ms: c.timeoutMs,
    bake_ms: c.bakeMs,
    failures: c.failures,
    probe: probeText(c),
  };
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** `error-rate (prometheus) after shift: max(errors) < 0.01 at http://...; every 1s, bake 30s, fails after 2 in a row` */
export function checkLine(c: CheckSummary, lastStep: string | null): string {
  const after = c.after ?? (lastStep ? `${lastStep} (the last step)` : 'the last step');
  return `${c.name} (${c.type}) after ${after}: ${c.probe}; every ${seconds(c.interval_ms)}, bake ${seconds(c.bake_ms)}, fails after ${c.failures} in a row`;
}
