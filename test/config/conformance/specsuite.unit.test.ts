/**
 * HCL's own specification suite, hashicorp/hcl specsuite/tests/expressions/ (copied unchanged
 * into ./specsuite, see SOURCE): each .hcl file is evaluated with the variables of its .hcldec
 * and compared with the `result` of its .t file. Numbers compare as float64, which is what Orbit
 * keeps (docs/hcl.md, "Differences from HCL").
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFile } from './harness.js';

const DIR = join(import.meta.dirname, 'specsuite');

/** The `variables { ... }` block of a .hcldec file, evaluated. */
async function variables(name: string): Promise<Record<string, unknown>> {
  const text = await readFile(join(DIR, `${name}.hcldec`), 'utf8');
  const m = /^variables \{[\s\S]*?^\}/m.exec(text);
  if (!m) return {};
  const all = await runFile(`${name}.hcldec`, m[0], {});
  return (all.variables ?? {}) as Record<string, unknown>;
}

async function expectedResult(name: string): Promise<Record<string, unknown>> {
  const text = await readFile(join(DIR, `${name}.t`), 'utf8');
  // Only `result`: `result_type` is written in type syntax (`map(string)`), not an expression.
  const m = /^result = \{[\s\S]*?^\}/m.exec(text);
  if (!m) throw new Error(`${name}.t has no result`);
  return (await runFile(`${name}.t`, m[0], {})).result as Record<string, unknown>;
}

describe('hashicorp/hcl specsuite/tests/expressions', () => {
  for (const name of ['heredoc', 'operators', 'primitive_literals']) {
    it(`${name}.hcl gives the result in ${name}.t`, async () => {
      const text = await readFile(join(DIR, `${name}.hcl`), 'utf8');
      const got = await runFile(`${name}.hcl`, text, await variables(name));
      const want = await expectedResult(name);
      // The .t lists what the spec (.hcldec) reads; anything else in the file is not part of it.
      const picked = Object.fromEntries(Object.keys(want).map((k) => [k, got[k]]));
      expect(picked).toEqual(want);
    });
  }
});
