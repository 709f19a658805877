/**
 * Bad input against the cty semantics, through the real CLI: each type error or invalid call is
 * one line `file:line:col: message [CODE]`, exit 1, no stack trace.
 */
import { describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { makeRepo } from './helpers.js';

const step = (forward: string) => `step {\n  name    = "a"\n  agent   = "exec"\n  forward = ${forward}\n}\n`;

const CASES: Array<[service: string, forward: string, where: string, code: string]> = [
  ['mixed', '["echo", true ? 1 : true]', '4:22', 'E_EVAL_TYPE'],
  ['bignum', '["echo", 12345678901234567890123]', '4:22', 'E_EVAL_NUMBER'],
  ['divide', '["echo", 1 / 0]', '4:22', 'E_EVAL_DIVIDE_BY_ZERO'],
  ['verb', '["echo", format("%d %d", 1)]', '4:22', 'E_FUNCTION_ARGUMENT'],
  ['surplus', '["echo", format("%s", "a", "b")]', '4:22', 'E_FUNCTION_ARGUMENT'],
  ['pattern', '["echo", regex("(a)\\\\1", "aa")]', '4:22', 'E_FUNCTION_ARGUMENT'],
  ['fraction', '["echo", element(["a"], 0.5)]', '4:22', 'E_FUNCTION_ARGUMENT'],
  ['base64', '["echo", base64decode("dfg")]', '4:22', 'E_FUNCTION_ARGUMENT'],
  ['tried', '["echo", try(tonumber("x"), tonumber("y"))]', '4:22', 'E_FUNCTION_ARGUMENT'],
];

describe('orbit validate on expressions HCL refuses', () => {
  it('reports each at file:line:col with its code, and exits 1', async () => {
    const files = Object.fromEntries(CASES.map(([s, f]) => [`services/${s}/deploy.hcl`, step(f)]));
    const repo = await makeRepo(files);
    const r = await orbit(['validate', '--repo', repo]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n').sort();
    const want = CASES.map(([s, , where, code]) => [s, where, code] as const).sort(([a], [b]) =>
      a < b ? -1 : 1,
    );
    expect(lines).toHaveLength(want.length);
    want.forEach(([s, where, code], i) => {
      expect(lines[i]).toMatch(new RegExp(`^services/${s}/deploy\\.hcl:${where}: [^\\n]+ \\[${code}\\]$`));
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
