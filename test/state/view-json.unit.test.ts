import { describe, expect, it } from 'vitest';
import { viewJson } from '../../src/state/view-json.js';

const step = (i: number, extra: Record<string, unknown> = {}) => ({
  step_index: i,
  step_name: `s${i}`,
  status: 'applied',
  outputs: { url: `https://x/${i}` },
  forward_action: { agent: 'exec', args: ['true'], env: { A: '1' }, params: {} },
  error: null,
  ...extra,
});

const pretty = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

describe('viewJson', () => {
  it('writes what JSON.stringify(view, null, 2) writes, for views and records', () => {
    const cases: object[] = [
      { service_id: 'web', current: 'web-1', waiting: [] },
      { deploy_id: 'web-1', steps: [], status: 'running' },
      { deploy_id: 'web-1', status: 'running', steps: [step(0)], values: { a: [1, 2] } },
      { steps: [step(0), step(1, { stderr_tail: ['a', 'b'] })], deploy_id: 'web-2' },
      { deploy_id: 'web-3', steps: [step(0)] },
    ];
    for (const c of cases) expect(viewJson(c)).toBe(pretty(c));
  });

  it('is not fooled by values that look like its own steps line (hostile outputs, messages)', () => {
    const hostile = '\n  "steps": 0';
    const rec = {
      values: { note: hostile, '\n  "steps"': 0 },
      error: { code: 'E_X', message: `"steps": 0,\n  "steps": 0` },
      steps: [step(0, { outputs: { x: hostile } })],
      after: hostile,
    };
    expect(viewJson(rec)).toBe(pretty(rec));
    expect(JSON.parse(viewJson(rec))).toEqual(rec);
  });

  it('keeps each step text with its object, which it freezes: a later change in place throws', () => {
    const s0 = step(0);
    const first = { deploy_id: 'web-1', steps: [s0] };
    expect(viewJson(first)).toBe(pretty(first));
    // The next entry's record shares s0 and adds a step, as the projection writes it.
    const second = { ...first, steps: [s0, step(1)], status: 'succeeded' };
    expect(viewJson(second)).toBe(pretty(second));
    expect(() => {
      (s0 as { status: string }).status = 'failed';
    }).toThrow(TypeError);
    expect(() => {
      s0.outputs.url = 'changed';
    }).toThrow(TypeError);
  });
});
