/**
 * hcl2json reports syntax errors as one message: `parse config: [FILE:L,C-C: Summary; Detail FILE:...]`.
 * This splits it back into diagnostics.
 */
import type { Diagnostic } from '../../util/errors.js';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function syntaxDiagnostics(file: string, message: string): Diagnostic[] {
  const body = message.replace(/^parse config: \[/, '').replace(/\]\s*$/, '');
  const re = new RegExp(`${escapeRegExp(file)}:(\\d+),(\\d+)(?:-\\d+(?:,\\d+)?)?: `, 'g');
  const starts: Array<{ index: number; end: number; line: number; column: number }> = [];
  for (const m of body.matchAll(re)) {
    starts.push({ index: m.index, end: m.index + m[0].length, line: Number(m[1]), column: Number(m[2]) });
  }
  if (starts.length === 0) {
    return [{ file, line: 1, column: 1, code: 'E_HCL_SYNTAX', message: body.trim() || 'invalid HCL' }];
  }
  return starts.map((s, i) => {
    const text = body.slice(s.end, starts[i + 1]?.index ?? body.length).trim();
    const [summary, ...detail] = text.split('; ');
    const message = detail.length > 0 ? `${summary}: ${detail.join('; ')}` : (summary ?? text);
    return {
      file,
      line: Math.max(1, s.line),
      column: Math.max(1, s.column),
      code: 'E_HCL_SYNTAX',
      message: message.trim(),
    };
  });
}
