import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadServiceFromSources } from '../../src/config/load.js';
import { evaluateConsts, renderPlan, resolveVariables } from '../../src/config/render.js';
import { convertExpression } from '../../src/config/expressions/convert.js';
import { EvalBudget } from '../../src/config/expressions/budget.js';
import { evaluate } from '../../src/config/expressions/evaluate.js';
import { FUNCTIONS } from '../../src/config/expressions/functions.js';
import { measure } from '../../src/config/expressions/values.js';
import { LineMap } from '../../src/config/hcl/positions.js';
import { actionsOf, maskAction, unmaskAction } from '../../src/engine/invocation.js';
import { ConfigError, OrbitError } from '../../src/util/errors.js';
import { renderStep } from '../../src/config/render.js';
import { CTX } from './helpers.js';

const VALID = `variable "v" {
  default = "1.0"
}
const {
  image = "img:\${var.v}"
  list  = [for x in split(".", var.v) : tonumber(x) * 2]
}
step {
  name    = "a"
  agent   = "exec"
  forward = ["echo", const.image, jsonencode(const.list)]
  reverse = ["echo", coalesce(previous.var.v, "none")]
}
step {
  name    = "b"
  agent   = "exec"
  forward = ["echo", "\${step.a.output.tag}"]
  env     = { A = upper(var.v) }
}
`;

/** Loads, resolves and renders; every outcome must be a value or a typed OrbitError. */
async function outcome(deploy: string, values?: string): Promise<'ok' | string> {
  try {
    const spec = await loadServiceFromSources({ deploy, ...(values !== undefined ? { values } : {}) }, 'svc');
    const vars = resolveVariables(spec, {}, {});
    evaluateConsts(spec, vars, CTX);
    renderPlan(spec, vars, CTX);
    return 'ok';
  } catch (err) {
    if (err instanceof OrbitError) return err.code;
    throw err;
  }
}

const PIECES = [
  'var.v',
  'const.image',
  '"s"',
  '1',
  'null',
  'true',
  '[1, 2]',
  '{ a = 1 }',
  'step.a.output.tag',
  'previous.var.v',
  'orbit.sequence',
  'x',
  '"${var.v}"',
  // Bool and null keys: `const.foo[true]` used to crash with "Cannot read properties of undefined".
  'const.image[true]',
  'var.v[null]',
  '{ a = 1 }[false]',
];
const OPS = [
  ' + ',
  ' == ',
  ' && ',
  ' ? ',
  ' : ',
  ', ',
  '.',
  '[0]',
  '[true]',
  '[null]',
  '[false]',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ' % ',
  ' / ',
  '!',
  '-',
  '...',
  ' for ',
  ' in ',
  ' => ',
];
const FUNCS = [
  'upper',
  'lower',
  'join',
  'split',
  'format',
  'coalesce',
  'lookup',
  'length',
  'jsondecode',
  'keys',
  'substr',
  'nope',
];

const expression = fc
  .array(
    fc.oneof(
      fc.constantFrom(...PIECES),
      fc.constantFrom(...OPS),
      fc.constantFrom(...FUNCS).map((f) => `${f}(`),
    ),
    {
      minLength: 1,
      maxLength: 10,
    },
  )
  .map((parts) => parts.join(''));

describe('property: random input never crashes or hangs', () => {
  it('the valid example renders', async () => {
    expect(await outcome(VALID)).toBe('ok');
  });

  it('random expressions end in a value or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(expression, async (expr) => {
        const deploy = `variable "v" {\n  default = "1.0"\n}\nstep {\n  name = "a"\n  agent = "exec"\n  forward = ["x"]\n}\nstep {\n  name = "b"\n  agent = "exec"\n  forward = [${expr}]\n  p = ${expr}\n}\n`;
        const r = await outcome(deploy);
        expect(typeof r).toBe('string');
      }),
      { numRuns: 150 },
    );
  });

  it('mutated files (deleted, inserted, duplicated characters) end in a value or a typed error', async () => {
    const mutation = fc.record({
      at: fc.nat({ max: VALID.length - 1 }),
      del: fc.nat({ max: 4 }),
      ins: fc.oneof(
        fc.constantFrom(
          '"',
          '{',
          '}',
          '[',
          ']',
          '${',
          '%{',
          '<<EOT\n',
          '\n',
          '=',
          '#',
          '\\',
          '~',
          ' step {\n',
        ),
        fc.string({ maxLength: 3 }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        let text = VALID;
        for (const m of ms) {
          const at = Math.min(m.at, text.length);
          text = text.slice(0, at) + m.ins + text.slice(at + m.del);
        }
        const r = await outcome(text);
        expect(typeof r).toBe('string');
      }),
      { numRuns: 200 },
    );
  });

  it('random values.hcl text ends in a value or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (values) => {
        expect(typeof (await outcome(VALID, values))).toBe('string');
      }),
      { numRuns: 100 },
    );
  });
});

/** Expressions built from the function table, with the growth patterns hostile input uses. */
const ARGS = ['var.s', 'var.l', 'const.c', '"ab"', '2', '[var.s, var.s]', 'var.l[0]', 'true'];
const NAMES = Object.keys(FUNCTIONS);
const call: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...ARGS),
    fc
      .tuple(fc.constantFrom(...NAMES), fc.array(tie('e'), { minLength: 1, maxLength: 3 }))
      .map(([f, a]) => `${f}(${a.join(', ')})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `"\${${a}}\${${b}}"`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `[${a}, ${b}]`),
    tie('e').map((a) => `[for x in var.l : ${a}]`),
  ),
})).e;

const LIMITS = { operations: 20_000, valueSize: 200_000, outputSize: 50_000 };

async function parse(text: string) {
  return convertExpression(new LineMap('p.hcl', text), 0, text.length);
}

describe('property: the budget bounds every evaluation', () => {
  it('random expressions from the function table end in a value or a typed error, within the budget', async () => {
    await fc.assert(
      fc.asyncProperty(call, fc.nat({ max: 6 }), async (text, doublings) => {
        let expr;
        try {
          expr = await parse(text);
        } catch {
          return; // not valid syntax: the parser's business (see the tests above)
        }
        // A list doubled `doublings` times, then over a hundred elements: what a loop multiplies.
        let l: unknown[] = ['x', 'y'];
        for (let i = 0; i < doublings; i++) l = [...l, ...l];
        const budget = new EvalBudget(LIMITS);
        const roots = { var: { s: 'abc', l: l as string[] }, const: { c: 'k' } };
        try {
          const v = evaluate(expr, { roots }, budget);
          // A value came back: it was paid for, operation by operation and element by element.
          expect(budget.operations).toBeLessThanOrEqual(LIMITS.operations);
          expect(budget.valueSize).toBeLessThanOrEqual(LIMITS.valueSize);
          expect(measure(v).depth).toBeLessThanOrEqual(100);
        } catch (err) {
          expect(err).toBeInstanceOf(OrbitError);
          expect((err as OrbitError).code).toMatch(/^E_/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('what a render returns is bounded by the output budget, however the consts double', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 45 }),
        fc.constantFrom('[@, @]', 'concat(@, @)', '"${@}${@}"'),
        async (n, grow) => {
          const consts = [grow.startsWith('"') ? '  c0 = "xxxxxxxx"' : '  c0 = ["xxxxxxxx"]'];
          for (let i = 1; i <= n; i++) consts.push(`  c${i} = ${grow.replace(/@/g, `const.c${i - 1}`)}`);
          // A custom agent that declares no params takes any attribute: `body` holds the value as it is.
          const orbit = 'agent "free" {\n  image = "busybox"\n}\n';
          const deploy = `const {\n${consts.join('\n')}\n}\nstep {\n  name = "a"\n  agent = "free"\n  forward = ["echo"]\n  body = const.c${n}\n}\n`;
          const spec = await loadServiceFromSources({ deploy, orbit }, 'svc');
          try {
            const steps = renderPlan(spec, resolveVariables(spec), CTX, { limits: LIMITS });
            expect(JSON.stringify(steps).length).toBeLessThan(4 * LIMITS.outputSize);
          } catch (err) {
            expect(err).toBeInstanceOf(ConfigError);
            // The first problem is the limit (consts after it may then miss the one that failed).
            expect((err as ConfigError).diagnostics[0]!.code).toBe('E_EVAL_LIMIT');
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('property: whatever is computed from a secret stays secret', () => {
  const S1 = 'Zq7-first-SECRET';
  const S2 = 'Wm4-other-SECRET';
  const service = (expr: string, sensitive: boolean) => `variable "pw" {
  sensitive = ${sensitive}
}
step {
  name    = "a"
  agent   = "exec"
  forward = ["run", ${expr}]
  reverse = ["undo", ${expr}]
  env     = { X = ${expr} }
}
`;
  const SECRET_ARGS = ['var.pw', '"u:${var.pw}"', 'split("-", var.pw)', '[var.pw]', '"ab"', '{ k = var.pw }'];
  const derived: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(...SECRET_ARGS),
      fc
        .tuple(fc.constantFrom(...NAMES), fc.array(tie('e'), { minLength: 1, maxLength: 3 }))
        .map(([f, a]) => `${f}(${a.join(', ')})`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `"\${${a}}\${${b}}"`),
    ),
  })).e;

  /** The step rendered with the secret's value in a variable that is not sensitive. */
  async function plain(expr: string, pw: string) {
    const spec = await loadServiceFromSources({ deploy: service(expr, false) }, 'svc');
    return renderStep(spec, 0, resolveVariables(spec, { pw }), CTX);
  }

  it('never appears in a recorded action, and the replay recomputes it exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('tostring', 'jsonencode', 'upper', 'base64encode', 'sha256'),
        derived,
        async (outer, inner) => {
          const expr = `${outer}(${inner})`;
          let one, two;
          try {
            [one, two] = [await plain(expr, S1), await plain(expr, S2)];
          } catch (err) {
            expect(err).toBeInstanceOf(OrbitError);
            return;
          }
          const value = one.env.X!;
          // Only what actually depends on the secret: the same expression with another secret differs.
          if (value === two.env.X || value.length < 6) return;
          const spec = await loadServiceFromSources({ deploy: service(expr, true) }, 'svc');
          const vars = resolveVariables(spec, { pw: S1 });
          const step = renderStep(spec, 0, vars, CTX);
          const id = { service: 'svc', deploymentId: 'svc-1', commit: 'c0ffee' };
          const { forward, reverse } = actionsOf(step, id, vars.values);
          const recorded = JSON.stringify([
            maskAction(forward, vars.secrets),
            maskAction(reverse, vars.secrets),
          ]);
          expect(recorded).not.toContain(value);
          expect(recorded).not.toContain(S1);
          // Replayed with the secret resolved again (as an unwind does), the action is what ran.
          const again = resolveVariables(spec, { pw: S1 }).secrets;
          const masked = JSON.parse(recorded) as [typeof forward, typeof reverse];
          const { derived: _f, ...ranForward } = forward;
          const { derived: _r, ...ranReverse } = reverse!;
          expect(unmaskAction(masked[0], again)).toMatchObject(ranForward);
          expect(unmaskAction(masked[1]!, again)).toMatchObject(ranReverse);
          expect(unmaskAction(masked[1]!, again).args).toEqual(ranReverse.args);
          expect(unmaskAction(masked[1]!, again).env).toEqual(ranReverse.env);
        },
      ),
      { numRuns: 120 },
    );
  });
});
