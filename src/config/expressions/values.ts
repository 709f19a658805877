/**
 * Runtime values of the expression language: JSON-like data plus `Unknown`, which stands for
 * something only known while deploying (an earlier step's output) when rendering a plan.
 */
import { OrbitError } from '../../util/errors.js';
import type { ErrorCode, SourceLocation } from '../../util/errors.js';

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value } | Unknown;

export class Unknown {
  constructor(readonly description: string) {}
  /** How an unknown value shows in a rendered plan. */
  toString(): string {
    return `(${this.description})`;
  }
}

export function isObject(v: Value): v is { [key: string]: Value } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Unknown);
}

export function typeName(v: Value): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Unknown) return 'unknown';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** The first Unknown found inside a value, if any. */
export function findUnknown(v: Value): Unknown | null {
  if (v instanceof Unknown) return v;
  if (Array.isArray(v)) {
    for (const x of v) {
      const u = findUnknown(x);
      if (u) return u;
    }
  } else if (isObject(v)) {
    for (const x of Object.values(v)) {
      const u = findUnknown(x);
      if (u) return u;
    }
  }
  return null;
}

/** Thrown while evaluating; `loc` points at the offending expression. */
export class EvalError extends OrbitError {
  constructor(code: ErrorCode, message: string, loc: SourceLocation, data: Record<string, unknown> = {}) {
    super(code, message, { ...data, location: loc });
    this.name = 'EvalError';
  }

  get loc(): SourceLocation {
    return this.data.location as SourceLocation;
  }
}

/** Longest string an expression may build: bounds memory and time for hostile input. */
export const MAX_STRING = 1_000_000;

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(n);
}

/** HCL-style conversion of a primitive to string; lists, objects and null are not convertible. */
export function toStringValue(v: Value, loc: SourceLocation, what = 'value'): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Unknown) return v.toString();
  throw new EvalError('E_EVAL_TYPE', `${what} must be a string, got ${typeName(v)}`, loc);
}

export function toNumberValue(v: Value, loc: SourceLocation, what = 'value'): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new EvalError('E_EVAL_TYPE', `${what} must be a number, got ${typeName(v)}`, loc);
}

export function toBoolValue(v: Value, loc: SourceLocation, what = 'value'): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new EvalError('E_EVAL_TYPE', `${what} must be a bool, got ${typeName(v)}`, loc);
}

export function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]!));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k]!, b[k]!));
  }
  return false;
}

/** Converts parsed JSON / plain JS data into a Value (drops undefined and functions). */
export function fromPlain(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v instanceof Unknown) return v;
  if (Array.isArray(v)) return v.map(fromPlain);
  if (typeof v === 'object') {
    const out: { [key: string]: Value } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = fromPlain(x);
    return out;
  }
  return null;
}

/** Replaces every Unknown with its visible placeholder text, for plan output. */
export function showUnknowns(v: Value): unknown {
  if (v instanceof Unknown) return v.toString();
  if (Array.isArray(v)) return v.map(showUnknowns);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, showUnknowns(x)]));
  return v;
}
