import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadServiceFromSources } from '../../src/config/load.js';
import { evaluateConsts, renderPlan, resolveVariables } from '../../src/config/render.js';
import { OrbitError } from '../../src/util/errors.js';
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
