/**
 * `regex`, `regexall` and `replace("/re/")` with RE2's syntax and guarantees, through re2js (a
 * port of RE2 to JavaScript): the same patterns Terraform accepts (`(?P<name>...)`, `(?i)`), the
 * same ones refused (backreferences, lookaround), and matching in linear time, so a hostile
 * pattern cannot hang a render. Results follow go-cty's stdlib: a string without capture groups,
 * a list for unnamed groups, an object for named ones. re2js is loaded on the first pattern, so
 * a config without one does not pay for it.
 */
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import type * as Re2js from 're2js';
import type { SourceLocation } from '../../util/errors.js';
import { EvalError } from './values.js';
import type { Value } from './values.js';

/** A compiled pattern's cache: rendering evaluates the same literal pattern many times. */
const compiled = new Map<string, RE2JS>();

function fail(message: string, loc: SourceLocation): never {
  throw new EvalError('E_FUNCTION_ARGUMENT', message, loc);
}

export function compile(pattern: string, loc: SourceLocation): RE2JS {
  const hit = compiled.get(pattern);
  if (hit) return hit;
  let re: RE2JS;
  try {
    const { RE2JS: engine } = createRequire(import.meta.url)('re2js') as typeof Re2js;
    re = engine.compile(pattern);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    fail(`invalid regular expression pattern: ${why}`, loc);
  }
  if (compiled.size > 256) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

interface Match {
  start: number;
  end: number;
  groups: Array<string | null>;
}

/** Every match, with Go's rule for empty matches (none right after the previous match). */
function* matches(re: RE2JS, s: string): Generator<Match> {
  const m = re.matcher(s);
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length && m.find(pos)) {
    const start = m.start();
    const end = m.end();
    const accept = !(start === end && start === prevEnd);
    if (end === pos) pos += (s.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1;
    else pos = end;
    prevEnd = end;
    if (!accept) continue;
    const groups: Array<string | null> = [];
    for (let g = 1; g <= re.groupCount(); g++) groups.push(m.group(g));
    yield { start, end, groups };
  }
}

function result(re: RE2JS, m: Match, whole: string, loc: SourceLocation): Value {
  const names = Object.entries(re.namedGroups());
  if (re.groupCount() === 0) return whole;
  if (names.length === 0) return m.groups;
  if (names.length !== re.groupCount()) {
    fail('invalid regular expression pattern: cannot mix both named and unnamed capture groups', loc);
  }
  return Object.fromEntries(names.map(([name, i]) => [name, m.groups[i - 1] ?? null])) as Value;
}

export function regex(pattern: string, s: string, loc: SourceLocation): Value {
  const re = compile(pattern, loc);
  for (const m of matches(re, s)) return result(re, m, s.slice(m.start, m.end), loc);
  return fail('pattern did not match any part of the given string', loc);
}

export function regexAll(pattern: string, s: string, loc: SourceLocation): Value {
  const re = compile(pattern, loc);
  const out: Value[] = [];
  for (const m of matches(re, s)) out.push(result(re, m, s.slice(m.start, m.end), loc));
  return out;
}

/** Go's regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; an unknown group is empty. */
function expand(template: string, re: RE2JS, m: Match, s: string): string {
  const named = re.namedGroups();
  return template.replace(/\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (all, braced, bare) => {
    if (all === '$$') return '$';
    const name = (braced ?? bare) as string;
    const index = /^\d+$/.test(name) ? Number(name) : named[name];
    if (index === undefined) return '';
    if (index === 0) return s.slice(m.start, m.end);
    return m.groups[index - 1] ?? '';
  });
}

export function replaceRegex(s: string, pattern: string, replacement: string, loc: SourceLocation): string {
  const re = compile(pattern, loc);
  let out = '';
  let last = 0;
  for (const m of matches(re, s)) {
    out += s.slice(last, m.start) + expand(replacement, re, m, s);
    last = m.end;
  }
  return out + s.slice(last);
}
