import { describe, expect, it } from 'vitest';
import { loadServiceFromSources } from '../../src/config/load.js';
import { evaluateConsts, resolveVariables } from '../../src/config/render.js';
import { CTX, brief, diagnosticsOf } from './helpers.js';

const VARS = `variable "name" {
  default = "waffle"
}
variable "list" {
  default = ["a", "b", ""]
}
variable "map" {
  default = { x = 1, y = 2 }
}
variable "n" {
  default = 4
}
`;

/** Evaluates `expr` as const "x" with a few variables in scope. */
async function ev(expr: string, ctx = CTX): Promise<unknown> {
  const spec = await loadServiceFromSources({ deploy: `${VARS}const {\n  x = ${expr}\n}\n` }, 'svc');
  return evaluateConsts(spec, resolveVariables(spec), ctx).x;
}

describe('expressions', () => {
  const cases: Array<[string, unknown]> = [
    ['"plain"', 'plain'],
    ['"hi ${var.name}!"', 'hi waffle!'],
    ['"esc \\" \\n $${HOME} %%{x}"', 'esc " \n ${HOME} %{x}'],
    ['"a ${var.name ~}   b"', 'a waffleb'],
    ['"%{if var.n > 3}big%{else}small%{endif}"', 'big'],
    ['"%{for x in var.list}[${x}]%{endfor}"', '[a][b][]'],
    ['<<-EOT\n    line ${var.n}\n      indented\n    EOT', 'line 4\n  indented\n'],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['var.n % 3', 1],
    ['-var.n', -4],
    ['var.n >= 4 && !false', true],
    ['var.name == "waffle" ? "yes" : "no"', 'yes'],
    ['[1, "two", true, null]', [1, 'two', true, null]],
    ['{ a = 1, "b c" = var.name }', { a: 1, 'b c': 'waffle' }],
    ['var.list[1]', 'b'],
    ['var.map["y"]', 2],
    ['var.map.x', 1],
    ['[for s in var.list : upper(s) if s != ""]', ['A', 'B']],
    ['{ for k, v in var.map : v => k }', { '1': 'x', '2': 'y' }],
    ['{ for s in ["a", "b", "a"] : s => s... }', { a: ['a', 'a'], b: ['b'] }],
    ['[{ a = 1 }, { a = 2 }][*].a', [1, 2]],
    ['format("%s-%03d-%.1f-%q-%5s|%-3s|", "v", 7, 1.5, "x", "r", "l")', 'v-007-1.5-"x"-    r|l  |'],
    ['join(",", var.list)', 'a,b,'],
    ['split(".", "1.4.2")', ['1', '4', '2']],
    ['replace("a-b-c", "-", "_")', 'a_b_c'],
    ['trimspace("  x ")', 'x'],
    ['coalesce(null, "", "z")', 'z'],
    ['lookup(var.map, "q", 0)', 0],
    ['length(var.list) + length("héllo")', 8],
    ['concat(["a"], ["b"])', ['a', 'b']],
    ['jsonencode({ a = [1, true] })', '{"a":[1,true]}'],
    ['jsondecode("{\\"k\\": [1]}").k[0]', 1],
    ['contains(var.list, "b")', true],
    ['keys(var.map)', ['x', 'y']],
    ['values(var.map)', [1, 2]],
    ['tostring(5)', '5'],
    ['tonumber("2.5") * 2', 5],
    ['substr("deployment", 0, 6)', 'deploy'],
    ['startswith("v1.2", "v") && endswith("v1.2", ".2")', true],
    ['merge(var.map, { z = 3 })', { x: 1, y: 2, z: 3 }],
    ['upper(var.list...)', null],
    ['"${orbit.service}/${orbit.deployment_id}#${orbit.sequence}"', 'waffle/waffle-7#7'],
    ['coalesce(previous.var.name, "first")', 'first'],
    ['"${var.list}" == var.list', true],
    ['previous == null ? "none" : previous.id', 'none'],
  ];
  it.each(cases)('%s', async (expr, expected) => {
    if (expected === null) {
      // upper() with the list expanded: 3 arguments, a runtime arity error.
      const ds = await diagnosticsOf(() => ev(expr));
      expect(ds[0]!.code).toBe('E_FUNCTION_ARITY');
      return;
    }
    expect(await ev(expr)).toEqual(expected);
  });

  it('reads previous.* when there is a previous deployment', async () => {
    const ctx = { ...CTX, previous: { id: 'waffle-6', var: { name: 'old' } } };
    expect(await ev('"${previous.id}:${previous.var.name}"', ctx)).toBe('waffle-6:old');
  });

  const errors: Array<[string, string]> = [
    ['"a" + 1', 'E_EVAL_TYPE'],
    ['1 / 0', 'E_EVAL_DIVIDE_BY_ZERO'],
    ['var.list[9]', 'E_EVAL_INDEX'],
    ['var.map.nope', 'E_EVAL_INDEX'],
    ['"x${var.list}"', 'E_EVAL_TYPE'],
    ['lookup(var.map, "q")', 'E_EVAL_INDEX'],
    ['jsondecode("{")', 'E_FUNCTION_ARGUMENT'],
    ['var.name ? 1 : 2', 'E_EVAL_TYPE'],
    ['{ for s in ["a", "a"] : s => s }', 'E_EVAL_DUPLICATE_KEY'],
  ];
  it.each(errors)('%s fails with %s at the const line', async (expr, code) => {
    const ds = await diagnosticsOf(() => ev(expr));
    expect(ds[0]!.code).toBe(code);
    expect(ds[0]!.line).toBe(14);
    expect(ds[0]!.file).toBe('services/svc/deploy.hcl');
  });

  it('points at the exact column of a bad reference deep in an expression', async () => {
    const ds = await diagnosticsOf(() =>
      loadServiceFromSources(
        { deploy: `${VARS}const {\n  x = [for s in var.list : "\${s}-\${var.nmae}"]\n}\n` },
        'svc',
      ),
    );
    expect(brief(ds)).toEqual(['E_UNKNOWN_REFERENCE@14:36']);
  });
});
