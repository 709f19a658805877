/**
 * JSON as cty writes it (`jsonencode`, `format("%v")` of a collection): object keys in sorted
 * order, numbers in plain decimal, and `<`, `>`, `&`, U+2028, U+2029 escaped as Go's encoder does.
 */
import { formatNumber } from './decimal.js';
import { Unknown, isObject } from './values.js';
import type { Value } from './values.js';

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

export function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

/** Sorted as Go sorts strings: by UTF-8 bytes, which for JS strings is code point order. */
export function byCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** The JSON text of a plain (unmarked) value. */
export function ctyJson(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Unknown) return jsonString(v.toString());
  if (Array.isArray(v)) return `[${v.map(ctyJson).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort(byCodePoint);
    return `{${keys.map((k) => `${jsonString(k)}:${ctyJson(v[k]!)}`).join(',')}}`;
  }
  return 'null';
}
