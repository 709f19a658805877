/**
 * The text of HCL string literals as hcl2json 0.21.0 hands them over: raw source, so escapes,
 * `$${` / `%%{`, `~` strip markers and a `<<-` heredoc's indentation are applied here.
 */
import type { ExpressionType } from '@cdktn/hcl2json/build/syntax-tree.js';
import { sliceBytes, type Ctx } from './convert-context.js';

export type Mode = { kind: 'quoted' } | { kind: 'heredoc'; indent: number };

/** Indentation removed from every line of a `<<-` heredoc: the smallest among non-blank lines. */
export function flushIndent(raw: string): number {
  const lines = raw.split('\n').slice(1);
  let min = Infinity;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const m = /^[ \t]*/.exec(line);
    min = Math.min(min, m ? m[0].length : 0);
  }
  return Number.isFinite(min) ? min : 0;
}

export function decodeLiteral(node: ExpressionType, ctx: Ctx, mode: Mode): string {
  const { start, end } = { start: node.range.start.byte, end: node.range.end.byte };
  let raw = sliceBytes(ctx, start, end);
  // Strip markers: `${x ~}` trims the literal after, `${~ x}` the literal before.
  const before = ctx.text.slice(0, ctx.toIndex(start));
  const after = ctx.text.slice(ctx.toIndex(end));
  if (/~\s*\}$/.test(before)) raw = raw.replace(/^\s+/, '');
  if (/^[$%]\{~/.test(after)) raw = raw.replace(/\s+$/, '');
  if (mode.kind === 'heredoc') {
    if (mode.indent > 0) raw = raw.replace(new RegExp(`\\n[ \\t]{0,${mode.indent}}`, 'g'), '\n');
    return raw.replace(/([$%])\1\{/g, '$1{');
  }
  return unescapeQuoted(raw);
}

function unescapeQuoted(raw: string): string {
  return raw.replace(
    /\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|([$%])\2\{/gs,
    (m, esc: string | undefined, d) => {
      if (d) return `${d as string}{`;
      if (!esc) return m;
      switch (esc[0]) {
        case 'n':
          return '\n';
        case 'r':
          return '\r';
        case 't':
          return '\t';
        case 'u':
        case 'U':
          return String.fromCodePoint(parseInt(esc.slice(1), 16));
        default:
          return esc;
      }
    },
  );
}
