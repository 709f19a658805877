/**
 * Source positions. hcl2json's expression trees carry UTF-8 byte offsets; diagnostics want 1-based
 * line and column. A LineMap turns a string index of a file into both.
 */
import type { SourceLocation } from '../../util/errors.js';

export class LineMap {
  private readonly starts: number[] = [0];

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  /** Location of the string index `index` (clamped to the text). */
  at(index: number): SourceLocation {
    const i = Math.max(0, Math.min(index, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= i) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: i - (this.starts[lo] ?? 0) + 1 };
  }
}

/** Maps UTF-8 byte offsets inside `text` to string (UTF-16) indices. */
export function byteToIndexMap(text: string): (byte: number) => number {
  const table: number[] = [];
  let index = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let b = 0; b < bytes; b++) table.push(index);
    index += ch.length;
  }
  table.push(index);
  return (byte) => table[Math.max(0, Math.min(byte, table.length - 1))] ?? index;
}
