/**
 * hashicorp/hcl hclsyntax/expression_test.go (TestExpressionParseAndValue) and
 * hclsyntax/expression_template_test.go (TestTemplateExprParseAndValue): every case that needs no
 * EvalContext (no variables, no functions), transcribed mechanically into the two JSON files with
 * its line number. A case HCL answers with diagnostics must end in a coded Orbit diagnostic; any
 * other must give HCL's value. A bare template is run as a heredoc (which adds the newline before
 * its closing marker to the result, unless a `~}` at the end strips it), or as a quoted string
 * when it is one interpolation, whose value HCL returns unconverted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expected, run } from './harness.js';

interface Case {
  line: number;
  input: string;
  want?: unknown;
  error?: true;
}

function load(file: string): { source: { path: string }; cases: Case[] } {
  return JSON.parse(readFileSync(join(import.meta.dirname, file), 'utf8')) as {
    source: { path: string };
    cases: Case[];
  };
}

type Wrap = (input: string) => { expr: string; want: (w: unknown) => unknown };

const asExpression: Wrap = (input) => ({ expr: input.trim(), want: (w) => w });

const asTemplate: Wrap = (input) => {
  if (/^\$\{[^"]*\}$/.test(input)) return { expr: `"${input}"`, want: (w) => w };
  const stripsEnd = /~\}\s*$/.test(input);
  return { expr: `<<EOT\n${input}\nEOT`, want: (w) => (stripsEnd ? w : `${String(w)}\n`) };
};

for (const [file, wrap] of [
  ['hclsyntax-expression-test.json', asExpression],
  ['hclsyntax-template-test.json', asTemplate],
] as const) {
  const table = load(file);
  describe(`hashicorp/hcl ${table.source.path}`, () => {
    it.each(table.cases.map((c) => [`line ${c.line}: ${JSON.stringify(c.input)}`, c] as const))(
      '%s',
      async (_name, c) => {
        const { expr, want } = wrap(c.input);
        const got = await run(expr);
        if (c.error) {
          expect(got.ok, JSON.stringify(got)).toBe(false);
          if (!got.ok) expect(got.code).toMatch(/^E_[A-Z_]+$/);
        } else {
          expect(got).toEqual({ ok: true, value: want(expected(c.want)) });
        }
      },
    );
  });
}
