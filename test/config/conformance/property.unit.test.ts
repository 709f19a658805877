/**
 * Property-based tests of the cty semantics (fast-check): whatever the format string, pattern,
 * number text, string or heredoc, evaluation ends in a value or a coded diagnostic (E_...),
 * never an exception of another kind; regular expressions run in RE2's linear time, so a pattern
 * built to backtrack ends like any other.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { run } from './harness.js';

/** An HCL quoted-string literal holding `s` (escapes for what the syntax reserves). */
function quote(s: string): string {
  return `"${s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\$\{/g, '$$${')
    .replace(/%\{/g, '%%{')}"`;
}

async function settles(expr: string): Promise<void> {
  const got = await run(expr);
  if (!got.ok) expect(got.code, `${expr}: ${got.message}`).toMatch(/^E_[A-Z_]+$/);
}

const verb = fc
  .tuple(
    fc.constantFrom('', '-', '+', '#', '0', ' ', '-0', '+ '),
    fc.constantFrom('', '1', '5', '12'),
    fc.constantFrom('', '.', '.0', '.2', '.10'),
    fc.constantFrom('', '[1]', '[2]', '[3]'),
    fc.constantFrom(...'vtbdoxXeEfgGsqzA%'.split('')),
  )
  .map((parts) => `%${parts.join('')}`);

const scalar = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => String(n).replace('e+', 'e')),
  fc.string({ maxLength: 8 }).map(quote),
  fc.constantFrom('true', 'false', 'null', '[1, "a"]', '{ a = 1 }', '[]'),
);

const unicode = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      'a',
      'é',
      'e\u0301',
      '\u0301',
      '👩‍👧',
      '\uD83D',
      '\uDC69',
      ' ',
      '\t',
      '\u2003',
      '日',
      'ß',
      'ﬄ',
    ),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 12,
});

describe('property: cty semantics end in a value or a coded diagnostic', () => {
  it('format with any mix of verbs, flags, widths, precisions and arguments', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(verb, fc.string({ maxLength: 3 })), { maxLength: 5 }),
        fc.array(scalar, { maxLength: 4 }),
        async (spec, args) => {
          await settles(`format(${[quote(spec.join('')), ...args].join(', ')})`);
          await settles(`formatlist(${[quote(spec.join('')), ...args.map((a) => `[${a}]`)].join(', ')})`);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('regex, regexall and replace with any pattern, including ones that backtrack in JavaScript', async () => {
    const pattern = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'()[]{}*+?|^$\\.aAb0-:P<>=!,dswDi'.split('')), maxLength: 14 }),
      fc.constantFrom('(a+)+$', '(a|aa)+$', '(x+x+)+y', '(?P<n>a*)*b', '^(\\w+\\s?)*$'),
    );
    await fc.assert(
      fc.asyncProperty(
        pattern,
        fc.oneof(fc.string({ maxLength: 10 }), fc.constant('a'.repeat(40) + '!')),
        async (p, s) => {
          await settles(`regex(${quote(p)}, ${quote(s)})`);
          await settles(`regexall(${quote(p)}, ${quote(s)})`);
          await settles(`replace(${quote(s)}, ${quote(`/${p}/`)}, "$1-$$")`);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('arithmetic and tonumber on any number text', async () => {
    const numberText = fc.oneof(
      fc.stringMatching(/^-?\d{1,30}(\.\d{0,30})?([eE][-+]?\d{1,4})?$/),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.string({ maxLength: 6 }),
    );
    const op = fc.constantFrom('+', '-', '*', '/', '%', '<', '==');
    await fc.assert(
      fc.asyncProperty(numberText, op, numberText, async (a, o, b) => {
        await settles(`tonumber(${quote(a)}) ${o} tonumber(${quote(b)})`);
        if (/^-?\d/.test(a) && /^\d/.test(b)) await settles(`${a} ${o} ${b}`);
      }),
      { numRuns: 40 },
    );
  });

  it('string functions on any text, combining marks and lone surrogates included', async () => {
    await fc.assert(
      fc.asyncProperty(
        unicode,
        fc.integer({ min: -5, max: 15 }),
        fc.integer({ min: -3, max: 15 }),
        async (s, i, n) => {
          const q = quote(s);
          for (const call of [
            `length(${q})`,
            `strlen(${q})`,
            `strrev(${q})`,
            `substr(${q}, ${i}, ${n})`,
            `upper(${q})`,
            `urlencode(${q})`,
            `base64decode(${q})`,
            `split("", ${q})`,
            `jsonencode({ (${q}) = ${q} })`,
            `format("%${Math.abs(n)}.${Math.abs(i)}s|%q", ${q}, ${q})`,
            `coalesce(${q}, ${i}, true)`,
            `${i} > 3 ? ${q} : ${n}`,
            `try(tonumber(${q}), ${q})`,
          ]) {
            await settles(call);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('heredocs with any indentation, blank lines, interpolations and strip markers', async () => {
    const line = fc.tuple(
      fc.constantFrom('', ' ', '  ', '\t', '    ', '\u2003'),
      fc.constantFrom('x', '${"y"}', '${"z" ~}  w', '  ${~ 1}', '%{ if true }t%{ endif }', '', '$${no}'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom('', '  ', '\t'),
        async (lines, flush, end) => {
          const body = lines.map(([indent, text]) => indent + text).join('\n');
          await settles(`<<${flush ? '-' : ''}EOT\n${body}${body ? '\n' : ''}${end}EOT`);
        },
      ),
      { numRuns: 30 },
    );
  });
});
