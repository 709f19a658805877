/**
 * Plain literals' trees are built in-process (src/config/expressions/plain-literal.ts) instead of
 * by hcl2json's getExpressionAst. The parser is the oracle: every generated file must parse to
 * the same blocks, attributes, trees and locations with the shortcut and without it. The values
 * mix plain literals with near misses the shortcut must leave to the parser (escapes, templates,
 * non-ASCII, decimals, negative numbers, comments, operators, multi-line tuples).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainLiteral } from '../../src/config/expressions/plain-literal.js';
import { parseHclFile } from '../../src/config/hcl/parse.js';
import { LineMap } from '../../src/config/hcl/positions.js';

const plainString = fc.stringMatching(/^[ !#&-[\]-~]{0,12}$/).map((s) => `"${s}"`);
const word = fc.constantFrom('true', 'false', 'null', '0', '7', '30', '600000', '123456789012345');
const gap = fc.constantFrom('', ' ', '  ', '\t');

const plain: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    plainString,
    word,
    fc
      .tuple(fc.array(tie('value'), { maxLength: 4 }), gap, gap, fc.boolean())
      .map(([items, a, b, trailing]) =>
        items.length === 0 ? `[${a}]` : `[${a}${items.join(`${b},${a}`)}${trailing ? ',' : ''}${b}]`,
      ),
  ),
})).value;

/** Values that look close to plain literals but are not, each valid HCL. */
const nearMiss = fc.constantFrom(
  '"a\\"b"',
  '"tab\\tx"',
  '"${var.v}"',
  '"$${x}"',
  '"%%{x}"',
  '"100%"',
  '"cost $5"',
  '"é"',
  '"naïve"',
  '1.5',
  '-1',
  '1e3',
  'true # comment',
  '"x" // comment',
  '1 + 2',
  '["a",\n  "b"]',
  '[\n]',
  'var.v',
  'true ? "a" : "b"',
  '{ a = "b" }',
  '["a", var.v]',
  'upper("x")',
  '"x" /* c */',
);

const file = (values: string[]): string =>
  values.map((v, i) => `a${i} = ${v}\n`).join('') +
  `step {\n  name = ${values[0] ?? '"x"'}\n  inner {\n    v = ${values[values.length - 1] ?? 'null'}\n  }\n}\n`;

describe('plain literals', () => {
  it('parse to the trees and locations the parser gives them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(plain, plain, nearMiss), { minLength: 1, maxLength: 25 }),
        async (values) => {
          const text = file(values);
          const quick = await parseHclFile('deploy.hcl', text);
          const parser = await parseHclFile('deploy.hcl', text, { plainLiterals: false });
          expect(parser.diagnostics).toEqual([]);
          expect(quick).toEqual(parser);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('are recognised, and near misses are not', async () => {
    await fc.assert(
      fc.property(plain, (v) => {
        const text = `a = ${v}`;
        expect(plainLiteral(new LineMap('d.hcl', text), 4, text.length)).not.toBeNull();
      }),
    );
    for (const v of await fc.sample(nearMiss, 100)) {
      const text = `a = ${v}`;
      expect(plainLiteral(new LineMap('d.hcl', text), 4, text.length), v).toBeNull();
    }
  });
});
