/**
 * The functions available in expressions. A deliberately small, documented set (docs/hcl.md):
 * everything is pure and bounded, so hostile input cannot hang or exhaust the process.
 */
import { createHash } from 'node:crypto';
import type { SourceLocation } from '../../util/errors.js';
import {
  EvalError,
  MAX_STRING,
  measure,
  deepEqual,
  fromPlain,
  isObject,
  toBoolValue,
  toNumberValue,
  toStringValue,
  typeName,
} from './values.js';
import type { Value } from './values.js';

export interface FunctionDef {
  min: number;
  max: number;
  /** Unknown arguments normally make the result unknown; `acceptsUnknown` functions see them. */
  acceptsUnknown?: boolean;
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

/** Go/HCL-style `format`: %s %d %f %q %v %t %%, with `-`/`0` flags, width (<= 99) and precision. */
function format(args: Value[], loc: SourceLocation): string {
  const spec = str(args[0] ?? null, loc, 0);
  let i = 1;
  const out = spec.replace(
    /%([-0]?)(\d{0,2})(\.\d{1,2})?([sdfqvt%])/g,
    (_m, flag: string, width: string, prec: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (i >= args.length) throw new EvalError('E_FUNCTION_ARGUMENT', 'format: too few arguments', loc);
      const a = args[i++]!;
      let text: string;
      switch (verb) {
        case 'd':
          text = String(Math.trunc(num(a, loc, i - 1)));
          break;
        case 'f':
          text = num(a, loc, i - 1).toFixed(prec ? Number(prec.slice(1)) : 6);
          break;
        case 'q':
          text = JSON.stringify(str(a, loc, i - 1));
          break;
        case 't':
          text = String(toBoolValue(a, loc));
          break;
        case 'v':
          text = typeof a === 'object' && a !== null ? JSON.stringify(a) : str(a, loc, i - 1);
          break;
        default:
          text = str(a, loc, i - 1);
      }
      const w = width ? Number(width) : 0;
      if (flag === '-') return text.padEnd(w);
      if (flag === '0' && /^-?\d/.test(text)) {
        const neg = text.startsWith('-');
        return (neg ? '-' : '') + text.slice(neg ? 1 : 0).padStart(w - (neg ? 1 : 0), '0');
      }
      return text.padStart(w);
    },
  );
  return bounded(out, loc);
}

function sortKeys(o: { [key: string]: Value }): string[] {
  return Object.keys(o).sort();
}

export const FUNCTIONS: Record<string, FunctionDef> = {
  upper: { min: 1, max: 1, fn: ([s], l) => str(s!, l, 0).toUpperCase() },
  lower: { min: 1, max: 1, fn: ([s], l) => str(s!, l, 0).toLowerCase() },
  title: {
    min: 1,
    max: 1,
    fn: ([s], l) => str(s!, l, 0).replace(/\b\p{L}/gu, (c) => c.toUpperCase()),
  },
  format: { min: 1, max: Infinity, fn: (a, l) => format(a, l) },
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
      return text === '' ? [''] : text.split(str(sep!, l, 0));
    },
  },
  replace: {
    min: 3,
    max: 3,
    fn: ([s, from, to], l) => {
      const f = str(from!, l, 1);
      if (f === '') return str(s!, l, 0);
      return bounded(
        str(s!, l, 0)
          .split(f)
          .join(str(to!, l, 2)),
        l,
      );
    },
  },
  trimspace: { min: 1, max: 1, fn: ([s], l) => str(s!, l, 0).trim() },
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
  chomp: { min: 1, max: 1, fn: ([s], l) => str(s!, l, 0).replace(/(\r?\n)+$/, '') },
  startswith: { min: 2, max: 2, fn: ([s, p], l) => str(s!, l, 0).startsWith(str(p!, l, 1)) },
  endswith: { min: 2, max: 2, fn: ([s, p], l) => str(s!, l, 0).endsWith(str(p!, l, 1)) },
  substr: {
    min: 3,
    max: 3,
    fn: ([s, o, n], l) => {
      const chars = [...str(s!, l, 0)];
      let off = Math.trunc(num(o!, l, 1));
      const len = Math.trunc(num(n!, l, 2));
      if (off < 0) off = Math.max(0, chars.length + off);
      return chars.slice(off, len < 0 ? undefined : off + len).join('');
    },
  },
  strlen: { min: 1, max: 1, fn: ([s], l) => [...str(s!, l, 0)].length },
  coalesce: {
    min: 1,
    max: Infinity,
    acceptsUnknown: true,
    fn: (a, l) => {
      for (const x of a) if (x !== null && x !== '') return x;
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
      if (typeof v === 'string') return [...v].length;
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
        .sort(),
  },
  element: {
    min: 2,
    max: 2,
    fn: ([v, i], l) => {
      const xs = list(v!, l, 0);
      if (xs.length === 0) throw new EvalError('E_EVAL_INDEX', 'element: empty list', l);
      const n = Math.trunc(num(i!, l, 1));
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
    fn: ([x], l) => bounded(JSON.stringify(x), l),
  },
  jsondecode: {
    min: 1,
    max: 1,
    fn: ([s], l) => {
      try {
        return fromPlain(JSON.parse(str(s!, l, 0)));
      } catch {
        throw new EvalError('E_FUNCTION_ARGUMENT', 'jsondecode: argument is not valid JSON', l);
      }
    },
  },
  base64encode: { min: 1, max: 1, fn: ([s], l) => Buffer.from(str(s!, l, 0), 'utf8').toString('base64') },
  base64decode: { min: 1, max: 1, fn: ([s], l) => Buffer.from(str(s!, l, 0), 'base64').toString('utf8') },
  urlencode: { min: 1, max: 1, fn: ([s], l) => encodeURIComponent(str(s!, l, 0)) },
  sha256: {
    min: 1,
    max: 1,
    fn: ([s], l) =>
      createHash('sha256')
        .update(str(s!, l, 0))
        .digest('hex'),
  },
};
