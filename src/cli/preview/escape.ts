/**
 * Escaping for text that came from a pull request (config values, keys, diagnostics, commit
 * subjects) before it is printed to a terminal or pasted into a GitHub comment. The author of a
 * pull request controls all of it: it must not move the cursor, recolour the terminal, close a
 * code block, render HTML or images, or mention people.
 */
import { visibleControls } from '../../util/control-chars.js';

export { visibleControls };

/** Applies `fn` to every string inside a JSON-like value (keys included). */
export function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[fn(k)] = mapStrings(v, fn);
    return out as T;
  }
  return value;
}

/** A zero-width joiner after `@` keeps GitHub from turning `@team` into a mention. */
const unmention = (s: string): string => s.replace(/@/g, '@\u200D');

/**
 * Plain Markdown text (a table cell, a heading): one line, every character Markdown or HTML
 * would act on backslash-escaped, so it reads as the text it is.
 */
export function mdText(s: string): string {
  return unmention(
    visibleControls(s)
      .replace(/[\r\n\t]+/g, ' ')
      .replace(/[\\`*_{}[\]()#+\-.!|<>~&:"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : `\\${c}`)),
  );
}

/**
 * An inline code span: delimited by a backtick run longer than any inside, on one line. In a
 * table cell, `|` still ends the cell inside a code span (GFM), so it is escaped there.
 */
export function mdCode(s: string, inTable = true): string {
  let text = visibleControls(s).replace(/[\r\n\t]+/g, ' ');
  if (inTable) text = text.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  // A space keeps a backtick at either end from joining the fence (CommonMark strips one space).
  const pad = text.startsWith('`') || text.endsWith('`') || text.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced code block: its fence is longer than any backtick run in the lines, so none closes it. */
export function mdFence(lines: string[]): string[] {
  const body = lines.map(visibleControls);
  const longest = Math.max(0, ...body.flatMap((l) => [...l.matchAll(/`+/g)].map((m) => m[0].length)));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, ...body.flatMap((l) => l.split(/\r?\n|\r/)), fence];
}
