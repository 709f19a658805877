/**
 * Runtime values of the expression language: JSON-like data plus `Unknown`, which stands for
 * something only known while deploying (an earlier step's output) when rendering a plan.
 */
import { OrbitError } from '../../util/errors.js';
import type { ErrorCode, SourceLocation } from '../../util/errors.js';
import { formatNumber } from './decimal.js';

export type Value =
  null | boolean | number | string | Value[] | { [key: string]: Value } | Unknown | Sensitive;

export class Unknown {
  constructor(readonly description: string) {}
  /** How an unknown value shows in a rendered plan. */
  toString(): string {
    return `(${this.description})`;
  }
}

/**
 * A value computed from a sensitive variable (go-cty's "marks"): whatever is computed from it is
 * sensitive too. `names` are the variables it came from; `recipe` recomputes it from those
 * variables alone (every other input folded in as a literal), which is how a recorded reverse
 * action that holds a derived secret is replayed without the log ever holding it.
 */
export class Sensitive {
  constructor(
    readonly value: Exclude<Value, Sensitive>,
    readonly names: ReadonlySet<string>,
    readonly recipe: Recipe,
  ) {}
}

/** How to recompute a sensitive value: plain data, kept in the log next to a masked action. */
export type Recipe =
  /** A value that is not sensitive, as it was when the action was rendered. */
  | { v: unknown }
  /** The value of sensitive variable `secret`, resolved again when the recipe is replayed. */
  | { secret: string }
  | { fn: string; args: Recipe[] }
  | { op: string; args: Recipe[] }
  | { get: Recipe; key: Recipe }
  | { tpl: Recipe[] }
  | { list: Recipe[] }
  | { obj: Array<[string, Recipe]> };

export function isSensitive(v: unknown): v is Sensitive {
  return v instanceof Sensitive;
}

const recipes = new WeakMap<object, Recipe>();

/**
 * The recipe of any value: literals for what is not sensitive, the marks' recipes for what is.
 * Cached per container so a value shared by many parents shares one recipe.
 */
export function recipeOf(v: Value): Recipe {
  if (v instanceof Sensitive) return v.recipe;
  if (!hasSensitive(v)) return { v };
  const cached = recipes.get(v as object);
  if (cached) return cached;
  let r: Recipe;
  if (Array.isArray(v)) r = { list: v.map(recipeOf) };
  else {
    const o = v as { [key: string]: Value };
    r = { obj: Object.keys(o).map((k) => [k, recipeOf(o[k]!)]) };
  }
  recipes.set(v as object, r);
  return r;
}

/** Whether a value is or contains a sensitive value. */
export function hasSensitive(v: Value): boolean {
  return v instanceof Sensitive || (typeof v === 'object' && v !== null && measure(v).marked);
}

/** The value without marks at the top level, and the names of the marks removed. */
export function unmark(v: Value): { value: Exclude<Value, Sensitive>; names: Set<string> } {
  return v instanceof Sensitive
    ? { value: v.value, names: new Set(v.names) }
    : { value: v, names: new Set() };
}

/**
 * The value without any mark, anywhere inside it, adding the names of every mark removed to
 * `names`. Keeps sharing: a part shared by several parents is unmarked once.
 */
export function unmarkDeep(
  v: Value,
  names: Set<string> = new Set(),
  memo: Map<object, Value> = new Map(),
): Exclude<Value, Sensitive> {
  if (v instanceof Sensitive) {
    for (const n of v.names) names.add(n);
    return unmarkDeep(v.value, names, memo);
  }
  if (!hasSensitive(v)) return v;
  const seen = memo.get(v as object);
  if (seen !== undefined) return seen as Exclude<Value, Sensitive>;
  let out: Exclude<Value, Sensitive>;
  if (Array.isArray(v)) out = v.map((x) => unmarkDeep(x, names, memo));
  else {
    const o: { [key: string]: Value } = {};
    for (const [k, x] of Object.entries(v as object)) o[k] = unmarkDeep(x as Value, names, memo);
    out = o;
  }
  memo.set(v as object, out);
  return out;
}

/** Marks `value` with `names` (nothing to do when there are none). */
export function mark(value: Value, names: ReadonlySet<string>, recipe: () => Recipe): Value {
  if (names.size === 0) return value;
  if (value instanceof Sensitive) {
    return new Sensitive(value.value, new Set([...value.names, ...names]), value.recipe);
  }
  return new Sensitive(value, names, recipe());
}

export function isUnknown(v: unknown): v is Unknown {
  return v instanceof Unknown;
}

export function isObject(v: Value): v is { [key: string]: Value } {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !(v instanceof Unknown) &&
    !(v instanceof Sensitive)
  );
}

interface Measure {
  size: number;
  depth: number;
  /** Whether a sensitive value is inside. */
  marked: boolean;
  /** Whether an unknown value is inside. */
  unknown: boolean;
}

const measures = new WeakMap<object, Measure>();

/**
 * The size of a value as printed (characters of strings plus one per element, a value shared by
 * several parents counted once per parent, as it is printed), its nesting depth, and whether it
 * holds a sensitive value. Cached per container, so a list doubled 40 times is measured in 40
 * steps, not 2^40.
 */
export function measure(v: Value): Measure {
  if (typeof v === 'string') return { size: v.length, depth: 0, marked: false, unknown: false };
  if (v === null || typeof v !== 'object') return { size: 1, depth: 0, marked: false, unknown: false };
  if (v instanceof Unknown) return { size: v.description.length, depth: 0, marked: false, unknown: true };
  const cached = measures.get(v);
  if (cached) return cached;
  let m: Measure;
  if (v instanceof Sensitive) m = { ...measure(v.value), marked: true };
  else {
    m = { size: 1, depth: 1, marked: false, unknown: false };
    const add = (x: Value, extra: number) => {
      const c = measure(x);
      m.size += c.size + extra;
      if (c.depth + 1 > m.depth) m.depth = c.depth + 1;
      if (c.marked) m.marked = true;
      if (c.unknown) m.unknown = true;
    };
    if (Array.isArray(v)) for (const x of v) add(x, 0);
    else for (const [k, x] of Object.entries(v)) add(x, k.length);
  }
  measures.set(v, m);
  return m;
}

export const sizeOf = (v: Value): number => measure(v).size;

/** Deepest nesting of lists and maps a value may have: keeps recursion over values bounded. */
export const MAX_VALUE_DEPTH = 100;

export function typeName(v: Value): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Unknown) return 'unknown';
  if (v instanceof Sensitive) return typeName(v.value);
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** The first Unknown found inside a value, if any. */
export function findUnknown(v: Value): Unknown | null {
  if (v instanceof Unknown) return v;
  if (v instanceof Sensitive) return findUnknown(v.value);
  if (typeof v === 'object' && v !== null && !measure(v).unknown) return null;
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

/** HCL-style conversion of a primitive to string; lists, objects and null are not convertible. */
export function toStringValue(v: Value, loc: SourceLocation, what = 'value'): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Unknown) return v.toString();
  throw new EvalError('E_EVAL_TYPE', `${what} must be a string, got ${typeName(v)}`, loc);
}

export function toBoolValue(v: Value, loc: SourceLocation, what = 'value'): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new EvalError('E_EVAL_TYPE', `${what} must be a bool, got ${typeName(v)}`, loc);
}

export function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a instanceof Sensitive || b instanceof Sensitive) return deepEqual(unmarkDeep(a), unmarkDeep(b));
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
  if (v instanceof Unknown || v instanceof Sensitive) return v;
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
  if (v instanceof Sensitive) return showUnknowns(v.value);
  if (Array.isArray(v)) return v.map(showUnknowns);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, showUnknowns(x)]));
  return v;
}
