/**
 * The expression trees of plain literals, built here rather than by hcl2json's
 * `getExpressionAst`: a quoted string of printable ASCII with no escape and no template sequence
 * (`"exec"`), `true`, `false`, `null`, a small whole number, and one-line tuples of these
 * (`["sh", "-c"]`). Most of a deploy file's values are such literals, and the parser's
 * expression trees cost ~0.07 ms an expression (its Go runtime marshals ~400 bytes of JSON for
 * each): a 50-step file spent 14 ms there. Only for text hcl2json's `parse` has already accepted,
 * and only where the tree cannot be anything else; every other value goes to the parser. The trees
 * (locations included) are the parser's own, byte for byte: test/config/plain-literal.unit.test.ts
 * compares the two on generated values.
 */
import type { Expr } from './ast.js';
import type { LineMap } from '../hcl/positions.js';

/** Printable ASCII but `"`, `\` (escapes), `$` and `%` (template sequences). */
const PLAIN_CHAR = /[ !#&-[\]-~]/;

class Reader {
  constructor(
    readonly text: string,
    public pos: number,
    readonly end: number,
    readonly lines: LineMap,
  ) {}

  spaces(): void {
    while (this.pos < this.end && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }

  value(): Expr | null {
    const c = this.text[this.pos];
    if (c === '"') return this.string();
    if (c === '[') return this.tuple();
    const word = /^(?:true|false|null|0|[1-9][0-9]{0,14})(?![A-Za-z0-9_.\-:])/.exec(
      this.text.slice(this.pos, Math.min(this.end, this.pos + 17)),
    )?.[0];
    if (!word) return null;
    const loc = this.lines.at(this.pos);
    this.pos += word.length;
    if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true', loc };
    if (word === 'null') return { kind: 'literal', value: null, loc };
    return { kind: 'literal', value: Number(word), loc };
  }

  string(): Expr | null {
    let i = this.pos + 1;
    while (i < this.end && PLAIN_CHAR.test(this.text[i]!)) i++;
    if (this.text[i] !== '"' || i >= this.end) return null;
    // The parser places a string's tree at its first character, an empty one's past its closing quote.
    const loc = this.lines.at(i === this.pos + 1 ? i + 1 : this.pos + 1);
    const value = this.text.slice(this.pos + 1, i);
    this.pos = i + 1;
    return { kind: 'template', parts: [{ kind: 'literal', value, loc }], loc };
  }

  tuple(): Expr | null {
    const loc = this.lines.at(this.pos);
    this.pos++;
    const items: Expr[] = [];
    for (;;) {
      this.spaces();
      if (this.text[this.pos] === ']') break;
      const item = this.value();
      if (!item) return null;
      items.push(item);
      this.spaces();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') return null;
    }
    this.pos++;
    return { kind: 'tuple', items, loc };
  }
}

/** The tree of the expression at `[start, end)` when it is a plain literal, else null. */
export function plainLiteral(lines: LineMap, start: number, end: number): Expr | null {
  const r = new Reader(lines.text, start, end, lines);
  const expr = r.value();
  if (!expr) return null;
  r.spaces();
  return r.pos === end ? expr : null;
}
