/**
 * hashicorp/hcl hclsyntax/expression_test.go, TestExpressionParseAndValue: every case that needs
 * no EvalContext (no variables, no functions), transcribed mechanically into
 * hclsyntax-expression-test.json with its line number. A case HCL answers with diagnostics must
 * end in a coded Orbit diagnostic; any other must give HCL's value.
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

const table = JSON.parse(
  readFileSync(join(import.meta.dirname, 'hclsyntax-expression-test.json'), 'utf8'),
) as { source: { path: string }; cases: Case[] };

describe(`hashicorp/hcl ${table.source.path}`, () => {
  it.each(table.cases.map((c) => [`line ${c.line}: ${JSON.stringify(c.input)}`, c] as const))(
    '%s',
    async (_name, c) => {
      const got = await run(c.input.trim());
      if (c.error) {
        expect(got.ok, JSON.stringify(got)).toBe(false);
        if (!got.ok) expect(got.code).toMatch(/^E_[A-Z_]+$/);
      } else {
        expect(got).toEqual({ ok: true, value: expected(c.want) });
      }
    },
  );
});
