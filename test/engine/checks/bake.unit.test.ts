import { describe, expect, it } from 'vitest';
import type { CheckSpec } from '../../../src/config/types.js';
import { afterProbe, startBake, type BakeState, type ProbeResult } from '../../../src/engine/checks/bake.js';
import { checkPhase } from '../../../src/engine/checks/phase.js';
import type { DeploymentRecord } from '../../../src/state/types.js';

const check: CheckSpec = {
  name: 'healthy',
  probe: { kind: 'http', url: 'http://127.0.0.1:1/', expectStatus: 200, bodyMatch: null },
  after: 'deploy',
  intervalMs: 1000,
  timeoutMs: 500,
  bakeMs: 30_000,
  failures: 2,
  location: { file: 'services/w/deploy.hcl', line: 1, column: 1 },
};
const ok: ProbeResult = { ok: true, value: 'status 200', reason: null };
const bad: ProbeResult = { ok: false, value: 'status 503', reason: 'status 503, expected 200' };

/** Feeds results at the given times (ms since the start); returns each step's status and record flag. */
function drive(
  results: Array<[number, ProbeResult]>,
): Array<{ at: number; status: string; record: boolean }> {
  let state: BakeState = startBake(0);
  const out = [];
  for (const [at, r] of results) {
    const step = afterProbe(check, state, r, at);
    state = step.state;
    out.push({ at, status: state.status, record: step.record });
    if (step.done) break;
  }
  return out;
}

describe('the bake state machine (a controllable clock: times are arguments)', () => {
  it('passes once it has kept passing for the whole bake, recording the first result and the verdict only', () => {
    const times = Array.from({ length: 31 }, (_, i) => [i * 1000, ok] as [number, ProbeResult]);
    const steps = drive(times);
    expect(steps.at(-1)).toEqual({ at: 30_000, status: 'passed', record: true });
    expect(steps.filter((s) => s.record).map((s) => s.at)).toEqual([0, 30_000]);
  });

  it('fails after `failures` failed probes in a row, not after one', () => {
    const steps = drive([
      [0, ok],
      [1000, bad],
      [2000, ok],
      [3000, bad],
      [4000, bad],
    ]);
    expect(steps.map((s) => s.status)).toEqual(['passing', 'failing', 'passing', 'failing', 'failed']);
    // One entry per change between passing and failing, and the verdict: not one per probe.
    expect(steps.map((s) => s.record)).toEqual([true, true, true, true, true]);
  });

  it('does not record repeated equal results', () => {
    const steps = drive([
      [0, bad],
      [1000, ok],
      [2000, ok],
      [3000, ok],
    ]);
    expect(steps.map((s) => s.record)).toEqual([true, true, false, false]);
  });

  it('counts the bake from the first result: a slow first probe has not baked', () => {
    const steps = drive([
      [45_000, ok],
      [46_000, ok],
      [75_000, ok],
    ]);
    expect(steps.map((s) => s.status)).toEqual(['passing', 'passing', 'passed']);
  });

  it('does not pass at the end of the bake while the newest probe fails; it goes on until a verdict', () => {
    const steps = drive([
      [0, ok],
      [29_000, ok],
      [30_500, bad],
      [31_500, ok],
    ]);
    expect(steps.map((s) => s.status)).toEqual(['passing', 'passing', 'failing', 'passed']);
  });
});

describe('checkPhase (what status shows while checks bake)', () => {
  const entry = (status: 'passing' | 'failing' | 'passed', left: number, name = 'healthy') => ({
    name,
    type: 'http',
    after: 'deploy',
    status,
    value: status === 'failing' ? 'status 503' : 'status 200',
    reason: null,
    failures_in_row: status === 'failing' ? 1 : 0,
    failures: 2,
    bake_left_ms: left,
    probes: 1,
    time: '2026-12-01T10:00:00.000Z',
  });
  const record = (
    checks: Record<string, ReturnType<typeof entry>>,
    status: 'running' | 'succeeded' = 'running',
  ) => ({ status, checks }) as unknown as DeploymentRecord;

  it('is verifying with the failing check first, and counts the bake down to now', () => {
    const d = record({ healthy: entry('passing', 20_000), errors: entry('failing', 25_000, 'errors') });
    expect(checkPhase(d, new Date('2026-12-01T10:00:05.000Z'))).toEqual({
      phase: 'verifying',
      check: 'errors',
      status: 'failing',
      value: 'status 503',
      reason: null,
      bake_left_ms: 20_000,
    });
  });

  it('is nothing once the checks have passed, or when the deployment is not running', () => {
    expect(checkPhase(record({ healthy: entry('passed', 0) }), new Date())).toBeNull();
    expect(checkPhase(record({ healthy: entry('passing', 1000) }, 'succeeded'), new Date())).toBeNull();
  });
});
