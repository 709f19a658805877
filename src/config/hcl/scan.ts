/**
 * Finds the structure of an HCL body (blocks, attributes, and the exact source span of each
 * attribute's expression) so expressions can be handed to hcl2json's `getExpressionAst` and errors
 * can point at `file:line:col`. hcl2json's `parse` drops positions and decodes strings lossily.
 *
 * This is not an HCL parser: it runs only on text hcl2json has already accepted, and it only
 * tracks brackets, strings, heredocs and comments to know where an expression ends.
 */

export interface ScannedAttribute {
  kind: 'attribute';
  name: string;
  /** String index of the attribute name. */
  start: number;
  /** Span of the expression source text. */
  exprStart: number;
  exprEnd: number;
}

export interface ScannedBlock {
  kind: 'block';
  type: string;
  labels: string[];
  start: number;
  items: ScannedItem[];
}

export type ScannedItem = ScannedAttribute | ScannedBlock;

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** Skips spaces and comments; newlines too when `newlines`. */
  skipTrivia(newlines: boolean): void {
    while (!this.atEnd()) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) this.pos++;
      else if (c === '#' || (c === '/' && this.peek(1) === '/')) this.skipLineComment();
      else if (c === '/' && this.peek(1) === '*') this.skipBlockComment();
      else break;
    }
  }

  skipLineComment(): void {
    while (!this.atEnd() && this.peek() !== '\n') this.pos++;
  }

  skipBlockComment(): void {
    const end = this.text.indexOf('*/', this.pos + 2);
    this.pos = end < 0 ? this.text.length : end + 2;
  }

  identifier(): string {
    const m = /^[\p{L}_][\p{L}\p{N}_-]*/u.exec(this.text.slice(this.pos, this.pos + 256));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }

  body(nested: boolean): ScannedItem[] {
    const items: ScannedItem[] = [];
    for (;;) {
      this.skipTrivia(true);
      if (this.atEnd()) return items;
      if (nested && this.peek() === '}') return items;
      const start = this.pos;
      const name = this.identifier();
      if (!name) throw new ScanError(start);
      this.skipTrivia(false);
      if (this.peek() === '=' && this.peek(1) !== '=') {
        this.pos++;
        this.skipTrivia(false);
        const exprStart = this.pos;
        const exprEnd = this.expression();
        items.push({ kind: 'attribute', name, start, exprStart, exprEnd });
        continue;
      }
      const labels: string[] = [];
      while (this.peek() !== '{') {
        if (this.peek() === '"') labels.push(this.quotedLabel());
        else {
          const label = this.identifier();
          if (!label) throw new ScanError(this.pos);
          labels.push(label);
        }
        this.skipTrivia(false);
      }
      this.pos++;
      const items2 = this.body(true);
      if (this.peek() !== '}') throw new ScanError(this.pos);
      this.pos++;
      items.push({ kind: 'block', type: name, labels, start, items: items2 });
    }
  }

  quotedLabel(): string {
    const start = this.pos;
    this.skipQuoted();
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      // An HCL escape JSON does not know: the label as written (hcl2json has validated the file).
      return this.text.slice(start + 1, this.pos - 1);
    }
  }

  /** Scans an attribute expression; returns its end (trailing spaces and comments excluded). */
  expression(): number {
    let depth = 0;
    let end = this.pos;
    while (!this.atEnd()) {
      const c = this.peek();
      if (c === '\n' && depth === 0) break;
      if (c === '#' || (c === '/' && this.peek(1) === '/')) {
        this.skipLineComment();
        continue;
      }
      if (c === '/' && this.peek(1) === '*') {
        this.skipBlockComment();
        continue;
      }
      if (c === '"') {
        this.skipQuoted();
      } else if (c === '<' && this.peek(1) === '<') {
        this.skipHeredoc();
      } else if (c === '(' || c === '[' || c === '{') {
        depth++;
        this.pos++;
      } else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) break; // closes a one-line block: `step { name = "x" }`
        depth--;
        this.pos++;
      } else {
        this.pos++;
      }
      if (!/\s/.test(c)) end = this.pos;
    }
    return end;
  }

  /** Skips a quoted template, including nested `${ ... }` / `%{ ... }` with their own strings. */
  skipQuoted(): void {
    this.pos++;
    while (!this.atEnd()) {
      const c = this.peek();
      if (c === '\\') this.pos += 2;
      else if (c === '"') {
        this.pos++;
        return;
      } else if ((c === '$' || c === '%') && this.peek(1) === c && this.peek(2) === '{') this.pos += 3;
      else if ((c === '$' || c === '%') && this.peek(1) === '{') {
        this.pos += 2;
        this.interpolation();
      } else this.pos++;
    }
  }

  /** Inside `${`: up to and including the matching `}`. */
  interpolation(): void {
    let depth = 0;
    while (!this.atEnd()) {
      const c = this.peek();
      if (c === '"') this.skipQuoted();
      else if (c === '<' && this.peek(1) === '<') this.skipHeredoc();
      else if (c === '(' || c === '[' || c === '{') {
        depth++;
        this.pos++;
      } else if (c === ')' || c === ']' || c === '}') {
        this.pos++;
        if (depth === 0 && c === '}') return;
        depth--;
      } else this.pos++;
    }
  }

  skipHeredoc(): void {
    const m = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(this.text.slice(this.pos, this.pos + 300));
    if (!m) {
      this.pos += 2;
      return;
    }
    const marker = m[1] ?? '';
    this.pos += m[0].length;
    while (!this.atEnd()) {
      const nl = this.text.indexOf('\n', this.pos);
      const lineEnd = nl < 0 ? this.text.length : nl;
      const line = this.text.slice(this.pos, lineEnd);
      if (line.trim() === marker) {
        this.pos = lineEnd; // the newline after the marker ends the attribute
        return;
      }
      this.pos = nl < 0 ? this.text.length : nl + 1;
    }
  }
}

export class ScanError extends Error {
  constructor(readonly index: number) {
    super(`unexpected input at index ${index}`);
  }
}

/** Scans a whole file body. Throws ScanError on text it cannot follow (hcl2json should have rejected it). */
export function scanBody(text: string): ScannedItem[] {
  return new Scanner(text).body(false);
}
