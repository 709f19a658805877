/**
 * A small syntax check of a PromQL query, for `orbit validate` (no Prometheus at hand then, and
 * Prometheus 2.42 has no parse endpoint: `/api/v1/parse_query` came later). It catches what a typo
 * usually breaks: unclosed brackets and strings, a bad range duration, an operator with nothing
 * after it, a bad label matcher. Anything it passes, Prometheus may still refuse when the check
 * runs; that is a failed probe with Prometheus's message.
 */

const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const BINARY = /^(\+|-|\*|\/|%|\^|==|!=|<=|>=|<|>|=~|!~|and|or|unless)$/;
const RANGE = /^\s*(\d+(ms|s|m|h|d|w|y))+\s*(:\s*((\d+(ms|s|m|h|d|w|y))+)?\s*)?$/;
const MATCHER = /^\s*[A-Za-z_][A-Za-z0-9_]*\s*(=|!=|=~|!~)\s*("([^"\\]|\\.)*"|'([^'\\]|\\.)*'|`[^`]*`)\s*$/;

/** What is wrong with the query, or null. */
export function promqlProblem(query: string): string | null {
  if (query.trim() === '') return 'the query is empty';
  const stack: Array<{ open: string; at: number }> = [];
  let last = '';
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (c === '"' || c === "'" || c === '`') {
      const end = closingQuote(query, i);
      if (end < 0) return `unclosed string starting at offset ${i}`;
      i = end;
      last = 'x';
      continue;
    }
    if (c === '#') return 'comments are not allowed in a check query';
    if (c in CLOSE) {
      stack.push({ open: c, at: i });
      last = c;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      const top = stack.pop();
      if (!top || CLOSE[top.open] !== c) return `unexpected "${c}" at offset ${i}`;
      const inner = query.slice(top.at + 1, i);
      if (c === ']' && !RANGE.test(inner)) return `bad range or subquery duration [${inner}]`;
      if (c === '}') {
        const problem = matchersProblem(inner);
        if (problem) return problem;
      }
      if (c === ')' && inner.trim() === '' && !/[A-Za-z_]\s*$/.test(query.slice(0, top.at)))
        return `empty parentheses at offset ${top.at}`;
      last = c;
      continue;
    }
    if (!/\s/.test(c)) last = c;
  }
  if (stack.length > 0) return `unclosed "${stack[stack.length - 1]!.open}"`;
  const tail = query.trim().split(/\s+/).pop() ?? '';
  if (BINARY.test(tail) || /[+\-*/%^=<>~!,]$/.test(last)) return 'the query ends with an operator';
  return null;
}

function closingQuote(text: string, start: number): number {
  const q = text[start]!;
  for (let i = start + 1; i < text.length; i++) {
    if (q !== '`' && text[i] === '\\') i++;
    else if (text[i] === q) return i;
  }
  return -1;
}

/** `{job="api", code=~"5.."}`: comma-separated matchers, strings quoted. */
function matchersProblem(inner: string): string | null {
  if (inner.trim() === '') return null;
  for (const part of splitTopLevel(inner)) {
    if (part.trim() === '') continue; // a trailing comma is allowed
    if (!MATCHER.test(part)) return `bad label matcher ${JSON.stringify(part.trim())}`;
  }
  return null;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') i = Math.max(i, closingQuote(text, i));
    else if (c === ',') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
