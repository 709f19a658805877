/**
 * The functions available in expressions. A deliberately small, documented set (docs/hcl.md):
 * everything is pure and bounded, so hostile input cannot hang or exhaust the process.
 */
import { createHash } from 'node:crypto';
import type { SourceLocation } from '../../util/errors.js';
import { format } from './format.js';
import { byCodePoint, ctyJson } from './json.js';
import { parseNumber, toNumberValue } from './numbers.js';
import { regex, regexAll, replaceRegex } from './regex.js';
import { LEADING, TRAILING, graphemeLength, graphemes } from './text.js';
import { unify } from './unify.js';
import {
  EvalError,
  MAX_STRING,
  measure,
  deepEqual,
  fromPlain,
  isObject,
  toBoolValue,
  toStringValue,
  typeName,
} from './values.js';
import type { Value } from './values.js';

export interface FunctionDef {
  min: number;
  max: number;
  /** Unknown arguments normally make the result unknown; `acceptsUnknown` functions see them. */
  acceptsUnknown?: boolean;
  /**
   * `try` and `can`: the evaluator runs them itself, since their arguments are evaluated one by
   * one and an argument's error is the answer, not a failure (evaluate.ts).
   */
  lazy?: boolean;
  /** Operations charged to the budget before the call; default: the size of the arguments. */
  cost?: (args: Value[]) => number;
  fn: (args: Value[], loc: SourceLocation) => Value;
}

const str = (v: Value, loc: SourceLocation, i: number) => toStringValue(v, loc, `argument ${i + 1}`);
const num = (v: Value, loc: SourceLocation, i: number) => toNumberValue(v, loc, `argument ${i + 1}`);

function list(v: Value, loc: SourceLocation, i: number): Value[] {
  if (Array.isArray(v)) return v;
  throw new EvalError('E_FUNCTION_ARGUMENT', `argument ${i + 1} must be a list, got ${typeName(v)}`, loc);
}

function obj(v: Value, loc: SourceLocation, i: number): { [key: string]: Value } {
  if (isObject(v)) return v;
  throw new EvalError('E_FUNCTION_ARGUMENT', `argument ${i + 1} must be an object, got ${typeName(v)}`, loc);
}

function bounded(s: string, loc: SourceLocation): string {
  if (s.length > MAX_STRING) throw new EvalError('E_EVAL_LIMIT', 'string result too long', loc);
  return s;
}

/** A whole number argument (cty's conversion to a Go int): `1.5` is an error, not 1. */
function int(v: Value, loc: SourceLocation, i: number): number {
  const n = num(v, loc, i);
  if (!Number.isSafeInteger(n)) {
    throw new EvalError('E_FUNCTION_ARGUMENT', `argument ${i + 1} must be a whole number, got ${n}`, loc);
  }
  return n;
}

/**
 * `formatlist`: `format` over lists of one length, element by element; a non-list argument is
 * repeated for every element (go-cty's FormatListFunc).
 */
function formatList(args: Value[], loc: SourceLocation): Value[] {
  const spec = str(args[0] ?? null, loc, 0);
  const rest = args.slice(1);
  let n = -1;
  rest.forEach((a, i) => {
    if (!Array.isArray(a)) return;
    if (n >= 0 && a.length !== n) {
      throw new EvalError(
        'E_FUNCTION_ARGUMENT',
        `formatlist: argument ${i + 2} has length ${a.length}, which is inconsistent with ${n}`,
        loc,
      );
    }
    n = a.length;
  });
  if (n < 0) n = 1;
  const out: Value[] = [];
  for (let k = 0; k < n; k++) {
    out.push(
      bounded(
        format(
          spec,
          rest.map((a) => (Array.isArray(a) ? a[k]! : a)),
          loc,
        ),
        loc,
      ),
    );
  }
  return out;
}

/** JSON.parse, refusing a number a float64 cannot hold (it would round it silently), as a literal. */
function jsonDecode(text: string, loc: SourceLocation): Value {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EvalError('E_FUNCTION_ARGUMENT', 'jsondecode: argument is not valid JSON', loc);
  }
  for (const m of text.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g)) {
    if (!m[0].startsWith('"')) parseNumber(m[0], loc);
  }
  return fromPlain(parsed);
}

/** Go's base64.StdEncoding: padding required, line breaks ignored, the result valid UTF-8. */
function base64Decode(s: string, loc: SourceLocation): string {
  const text = s.replace(/[\r\n]/g, '');
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    throw new EvalError('E_FUNCTION_ARGUMENT', 'base64decode: the argument is not valid base64', loc);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'base64'));
  } catch {
    throw new EvalError(
      'E_FUNCTION_ARGUMENT',
      'base64decode: the result of decoding the provided string is not valid UTF-8',
      loc,
    );
  }
}

/** Go's url.QueryEscape: everything but letters, digits and `-_.~` escaped, space as `+`. */
function urlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * Go's unicode.ToUpper / ToLower, which cty uses: one character for one, so a character whose
 * full mapping is longer (`ß` to `SS`, the ligature `ﬄ` to `FFL`) stays as it is.
 */
function caseMap(s: string, map: (c: string) => string): string {
  if (/^\p{ASCII}*$/u.test(s)) return map(s);
  return [...s]
    .map((c) => {
      const m = map(c);
      return [...m].length === 1 ? m : c;
    })
    .join('');
}

/** Go's strings.Replace with an empty `old`: `new` at every character boundary. */
function replaceAll(s: string, from: string, to: string): string {
  if (from === '') return [to, ...[...s].flatMap((c) => [c, to])].join('');
  return s.split(from).join(to);
}

function sortKeys(o: { [key: string]: Value }): string[] {
  return Object.keys(o).sort(byCodePoint);
}

export const FUNCTIONS: Record<string, FunctionDef> = {
  upper: { min: 1, max: 1, fn: ([s], l) => caseMap(str(s!, l, 0), (c) => c.toUpperCase()) },
  lower: { min: 1, max: 1, fn: ([s], l) => caseMap(str(s!, l, 0), (c) => c.toLowerCase()) },
  strrev: {
    min: 1,
    max: 1,
    fn: ([s], l) =>
      graphemes(str(s!, l, 0))
        .reverse()
        .join(''),
  },
  title: {
    min: 1,
    max: 1,
    fn: ([s], l) => str(s!, l, 0).replace(/\b\p{L}/gu, (c) => c.toUpperCase()),
  },
  format: { min: 1, max: Infinity, fn: (a, l) => bounded(format(str(a[0]!, l, 0), a.slice(1), l), l) },
  formatlist: { min: 1, max: Infinity, fn: (a, l) => formatList(a, l) },
  regex: { min: 2, max: 2, fn: ([p, s], l) => regex(str(p!, l, 0), str(s!, l, 1), l) },
  regexall: { min: 2, max: 2, fn: ([p, s], l) => regexAll(str(p!, l, 0), str(s!, l, 1), l) },
  // Placeholders for the table (name, arity, docs): the evaluator runs these two itself.
  try: { min: 1, max: Infinity, lazy: true, acceptsUnknown: true, fn: (a) => a[0]! },
  can: { min: 1, max: 1, lazy: true, acceptsUnknown: true, fn: () => true },
  join: {
    min: 2,
    max: Infinity,
    fn: (a, l) => {
      const sep = str(a[0]!, l, 0);
      const items = a.slice(1).flatMap((x, i) => list(x, l, i + 1).map((y) => str(y, l, i + 1)));
      return bounded(items.join(sep), l);
    },
  },
  split: {
    min: 2,
    max: 2,
    fn: ([sep, s], l) => {
      const text = str(s!, l, 1);
      const by = str(sep!, l, 0);
      // Go's strings.Split: an empty separator splits into characters ("" into none).
      return by === '' ? [...text] : text.split(by);
    },
  },
  replace: {
    min: 3,
    max: 3,
    // `cost`: an empty `from` puts `to` between every two characters.
    cost: ([s, , to]) => measure(s ?? null).size * (1 + measure(to ?? null).size),
    fn: ([s, from, to], l) => {
      const text = str(s!, l, 0);
      const f = str(from!, l, 1);
      const t = str(to!, l, 2);
      // Terraform: a `from` written as /.../ is a regular expression.
      if (f.length > 1 && f.startsWith('/') && f.endsWith('/')) {
        return bounded(replaceRegex(text, f.slice(1, -1), t, l), l);
      }
      return bounded(replaceAll(text, f, t), l);
    },
  },
  trimspace: { min: 1, max: 1, fn: ([s], l) => str(s!, l, 0).replace(LEADING, '').replace(TRAILING, '') },
  trimprefix: {
    min: 2,
    max: 2,
    fn: ([s, p], l) => {
      const t = str(s!, l, 0);
      const pre = str(p!, l, 1);
      return t.startsWith(pre) ? t.slice(pre.length) : t;
    },
  },
  trimsuffix: {
    min: 2,
    max: 2,
    fn: ([s, p], l) => {
      const t = str(s!, l, 0);
      const suf = str(p!, l, 1);
      return suf !== '' && t.endsWith(suf) ? t.slice(0, t.length - suf.length) : t;
    },
  },
  // cty's chomp: every trailing \n, \r\n or \r.
  chomp: { min: 1, max: 1, fn: ([s], l) => str(s!, l, 0).replace(/(?:\r\n?|\n)+$/, '') },
  startswith: { min: 2, max: 2, fn: ([s, p], l) => str(s!, l, 0).startsWith(str(p!, l, 1)) },
  endswith: { min: 2, max: 2, fn: ([s, p], l) => str(s!, l, 0).endsWith(str(p!, l, 1)) },
  substr: {
    min: 3,
    max: 3,
    fn: ([s, o, n], l) => {
      const chars = graphemes(str(s!, l, 0));
      let off = int(o!, l, 1);
      const len = int(n!, l, 2);
      if (off < 0) off = Math.max(0, chars.length + off);
      return chars.slice(off, len < 0 ? undefined : off + len).join('');
    },
  },
  strlen: { min: 1, max: 1, fn: ([s], l) => graphemeLength(str(s!, l, 0)) },
  coalesce: {
    min: 1,
    max: Infinity,
    acceptsUnknown: true,
    fn: (a, l) => {
      // cty unifies the arguments first: `coalesce(1, "x")` is "1"; "" is skipped for strings only.
      for (const x of unify(a, [], l)) if (x !== null && x !== '') return x;
      throw new EvalError('E_FUNCTION_ARGUMENT', 'coalesce: all arguments are null or empty', l);
    },
  },
  lookup: {
    min: 2,
    max: 3,
    fn: (a, l) => {
      const o = obj(a[0]!, l, 0);
      const k = str(a[1]!, l, 1);
      if (Object.hasOwn(o, k)) return o[k]!;
      if (a.length === 3) return a[2]!;
      throw new EvalError('E_EVAL_INDEX', `lookup: no key ${JSON.stringify(k)}`, l);
    },
  },
  length: {
    min: 1,
    max: 1,
    fn: ([v], l) => {
      if (typeof v === 'string') return graphemeLength(v);
      if (Array.isArray(v)) return v.length;
      if (isObject(v!)) return Object.keys(v).length;
      throw new EvalError('E_FUNCTION_ARGUMENT', `length: cannot take the length of ${typeName(v!)}`, l);
    },
  },
  concat: { min: 1, max: Infinity, fn: (a, l) => a.flatMap((x, i) => list(x, l, i)) },
  merge: {
    min: 1,
    max: Infinity,
    fn: (a, l) => Object.assign({}, ...a.filter((x) => x !== null).map((x, i) => obj(x, l, i))) as Value,
  },
  flatten: {
    min: 1,
    max: 1,
    fn: ([v], l) => {
      const flat = (x: Value[]): Value[] => x.flatMap((y) => (Array.isArray(y) ? flat(y) : [y]));
      return flat(list(v!, l, 0));
    },
  },
  distinct: {
    min: 1,
    max: 1,
    // Each element is compared with every element kept.
    cost: ([v]) => (Array.isArray(v) ? v.length : 1) * measure(v ?? null).size,
    fn: ([v], l) => {
      const out: Value[] = [];
      for (const x of list(v!, l, 0)) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    },
  },
  compact: {
    min: 1,
    max: 1,
    fn: ([v], l) => list(v!, l, 0).filter((x) => x !== null && x !== ''),
  },
  reverse: { min: 1, max: 1, fn: ([v], l) => [...list(v!, l, 0)].reverse() },
  sort: {
    min: 1,
    max: 1,
    fn: ([v], l) =>
      list(v!, l, 0)
        .map((x) => str(x, l, 0))
        .sort(byCodePoint),
  },
  element: {
    min: 2,
    max: 2,
    fn: ([v, i], l) => {
      const xs = list(v!, l, 0);
      if (xs.length === 0) throw new EvalError('E_EVAL_INDEX', 'element: empty list', l);
      const n = int(i!, l, 1);
      if (n < 0) throw new EvalError('E_EVAL_INDEX', 'element: cannot use a negative index', l);
      return xs[((n % xs.length) + xs.length) % xs.length]!;
    },
  },
  contains: {
    min: 2,
    max: 2,
    cost: ([v, x]) => measure(v ?? null).size + (Array.isArray(v) ? v.length : 1) * measure(x ?? null).size,
    fn: ([v, x], l) => list(v!, l, 0).some((y) => deepEqual(y, x!)),
  },
  keys: { min: 1, max: 1, fn: ([v], l) => sortKeys(obj(v!, l, 0)) },
  values: {
    min: 1,
    max: 1,
    fn: ([v], l) => {
      const o = obj(v!, l, 0);
      return sortKeys(o).map((k) => o[k]!);
    },
  },
  zipmap: {
    min: 2,
    max: 2,
    fn: ([k, v], l) => {
      const ks = list(k!, l, 0);
      const vs = list(v!, l, 1);
      if (ks.length !== vs.length) throw new EvalError('E_FUNCTION_ARGUMENT', 'zipmap: lengths differ', l);
      return Object.fromEntries(ks.map((x, i) => [str(x, l, 0), vs[i]!])) as Value;
    },
  },
  min: { min: 1, max: Infinity, fn: (a, l) => Math.min(...a.map((x, i) => num(x, l, i))) },
  max: { min: 1, max: Infinity, fn: (a, l) => Math.max(...a.map((x, i) => num(x, l, i))) },
  abs: { min: 1, max: 1, fn: ([x], l) => Math.abs(num(x!, l, 0)) },
  ceil: { min: 1, max: 1, fn: ([x], l) => Math.ceil(num(x!, l, 0)) },
  floor: { min: 1, max: 1, fn: ([x], l) => Math.floor(num(x!, l, 0)) },
  tostring: {
    min: 1,
    max: 1,
    fn: ([x], l) => (x === null ? null : str(x!, l, 0)),
  },
  tonumber: { min: 1, max: 1, fn: ([x], l) => (x === null ? null : num(x!, l, 0)) },
  tobool: { min: 1, max: 1, fn: ([x], l) => (x === null ? null : toBoolValue(x!, l, 'argument 1')) },
  jsonencode: {
    min: 1,
    max: 1,
    fn: ([x], l) => bounded(ctyJson(x!), l),
  },
  jsondecode: { min: 1, max: 1, fn: ([s], l) => jsonDecode(str(s!, l, 0), l) },
  base64encode: { min: 1, max: 1, fn: ([s], l) => Buffer.from(str(s!, l, 0), 'utf8').toString('base64') },
  base64decode: { min: 1, max: 1, fn: ([s], l) => base64Decode(str(s!, l, 0), l) },
  urlencode: { min: 1, max: 1, fn: ([s], l) => urlEncode(str(s!, l, 0)) },
  sha256: {
    min: 1,
    max: 1,
    fn: ([s], l) =>
      createHash('sha256')
        .update(str(s!, l, 0))
        .digest('hex'),
  },
};
