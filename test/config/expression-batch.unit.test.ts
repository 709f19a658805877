/**
 * Parsing a file's expressions in one call into the parser (as the items of one tuple) must give
 * exactly what parsing each alone gives: the same trees, the same locations, the same errors. The
 * corpus is HCL's own conformance cases (test/config/conformance/), each the value of one attribute.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConvertError,
  convertAsTuple,
  convertExpression,
  convertExpressions,
  type ExpressionSpan,
} from '../../src/config/expressions/convert.js';
import { LineMap } from '../../src/config/hcl/positions.js';

interface Case {
  input: string;
  error?: true;
}

function cases(file: string): Case[] {
  const path = join(import.meta.dirname, 'conformance', file);
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: Case[] }).cases;
}

const EXPRESSIONS = [
  ...cases('hclsyntax-expression-test.json').map((c) => ({ ...c, input: c.input.trim() })),
  ...cases('hclsyntax-template-test.json').map((c) => ({ ...c, input: `<<-EOT\n${c.input}\nEOT` })),
  { input: '"ünïcødé ${upper("ß")} 🚀" # a comment after' },
  { input: '[for s in ["a", "b"] : "${s ~}  "]' },
  { input: 'for' },
];

/** One file with each expression as the value of its own attribute; where each value is. */
function file(exprs: string[]): { lines: LineMap; spans: ExpressionSpan[] } {
  let text = '';
  const spans: ExpressionSpan[] = [];
  exprs.forEach((e, i) => {
    text += `a${i} = `;
    spans.push({ start: text.length, end: text.length + e.length });
    text += `${e}\n`;
  });
  return { lines: new LineMap('batch.hcl', text), spans };
}

async function oneByOne(lines: LineMap, spans: ExpressionSpan[]): Promise<unknown[]> {
  return Promise.all(
    spans.map((s) =>
      convertExpression(lines, s.start, s.end).catch((e: unknown) => {
        if (e instanceof ConvertError) return { error: e.message, loc: e.loc };
        throw e;
      }),
    ),
  );
}

const plain = (r: unknown) => (r instanceof ConvertError ? { error: r.message, loc: r.loc } : r);

describe('expressions parsed together', () => {
  it('give the trees and locations each gives alone', async () => {
    const valid = EXPRESSIONS.filter((c) => !c.error).map((c) => c.input);
    expect(valid.length).toBeGreaterThan(100);
    const { lines, spans } = file(valid);
    const together = await convertAsTuple(lines, spans);
    expect(together).not.toBeNull(); // parsed as one tuple, not one by one
    expect(together!.map(plain)).toEqual(await oneByOne(lines, spans));
  });

  it('give each its own error when one of them does not parse', async () => {
    const { lines, spans } = file(['"ok"', '[1, 2', 'var.x']);
    const results = (await convertExpressions(lines, spans)).map(plain);
    expect(results).toEqual(await oneByOne(lines, spans));
    expect(results[1]).toMatchObject({ loc: { line: 2, column: 6 } });
  });
});
