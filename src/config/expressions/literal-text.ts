/**
 * The text of HCL string literals as hcl2json hands them over: raw source, so escapes, `$${` /
 * `%%{`, `~` strip markers and a `<<-` heredoc's indentation are applied here, in hclsyntax's
 * order: escapes are decoded first, strip markers trim the decoded text, and the result is
 * NFC-normalised as every cty string is.
 */
import type { ExpressionType } from '@cdktn/hcl2json/build/syntax-tree.js';
import { sliceBytes, type Ctx } from './convert-context.js';
import { LEADING, SPACE, TRAILING, nfc } from './text.js';

export type Mode = { kind: 'quoted' } | { kind: 'heredoc'; indent: number };

const INDENT = new RegExp(`^[${SPACE.replace('\\n', '')}]*`);

/**
 * Indentation a `<<-` heredoc removes (hclsyntax's flushHeredocTemplateParts): the fewest leading
 * spaces among its lines, not counting blank lines nor the closing marker's line. `raw` is the
 * whole heredoc, from `<<-` to the marker.
 */
export function flushIndent(raw: string): number {
  const lines = raw.split('\n').slice(1, -1);
  let min = Infinity;
  for (const line of lines) {
    const lead = INDENT.exec(line)?.[0] ?? '';
    if (lead.length === line.replace(/\r$/, '').length) continue; // blank
    min = Math.min(min, [...lead].length);
  }
  return Number.isFinite(min) ? min : 0;
}

/**
 * Removes `indent` characters from each line of a heredoc literal after its first (hcl2json's
 * tree has already moved a line-leading literal's start past them: hclsyntax trims each line's
 * token, then melds the tokens into one literal whose range starts at the first), leaving blank
 * lines alone.
 */
function flush(raw: string, indent: number): string {
  const lines = raw.split('\n');
  return lines
    .map((line, i) => {
      if (i === 0) return line;
      const blank = i < lines.length - 1 && LEADING.exec(line)?.[0].length === line.length;
      if (blank) return line;
      const lead = [...(INDENT.exec(line)?.[0] ?? '')].slice(0, indent).join('');
      return line.slice(lead.length);
    })
    .join('\n');
}

export function decodeLiteral(node: ExpressionType, ctx: Ctx, mode: Mode): string {
  const { start, end } = { start: node.range.start.byte, end: node.range.end.byte };
  const raw = sliceBytes(ctx, start, end);
  let text =
    mode.kind === 'heredoc'
      ? (mode.indent > 0 ? flush(raw, mode.indent) : raw).replace(/([$%])\1\{/g, '$1{')
      : unescapeQuoted(raw);
  // Strip markers: `${x ~}` trims the literal after, `${~ x}` the literal before.
  const before = ctx.text.slice(0, ctx.toIndex(start));
  const after = ctx.text.slice(ctx.toIndex(end));
  if (/~\s*\}$/.test(before)) text = text.replace(LEADING, '');
  if (/^[$%]\{~/.test(after)) text = text.replace(TRAILING, '');
  return nfc(text);
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
        case 'U': {
          const cp = parseInt(esc.slice(1), 16);
          // Past U+10FFFF is no character: hclsyntax writes U+FFFD for it.
          return cp <= 0x10ffff ? String.fromCodePoint(cp) : '\uFFFD';
        }
        default:
          return esc;
      }
    },
  );
}
