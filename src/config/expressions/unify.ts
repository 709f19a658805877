/**
 * cty's type unification (convert.UnifyUnsafe), for the places HCL asks for one type out of
 * several values: the two results of a conditional and the arguments of `coalesce`.
 * `true ? 12 : "hello"` is `"12"` (a number converts to string); `true ? 1 : true` is an error
 * (no common type); `true ? [1] : ["a", "b"]` is `["1"]` (a list of strings); objects with the same
 * attributes unify attribute by attribute, objects with different ones as a map of one type.
 * Null and unknown values fit any type. Orbit's values do not tell a list from a tuple nor a map
 * from an object, so a conversion only ever turns numbers and bools into strings.
 */
import type { SourceLocation } from '../../util/errors.js';
import { formatNumber } from './decimal.js';
import { EvalError, Sensitive, Unknown } from './values.js';
import type { Value } from './values.js';

type Type =
  | { k: 'dynamic' }
  | { k: 'string' | 'number' | 'bool' }
  | { k: 'tuple'; elems: Type[] }
  | { k: 'list'; elem: Type }
  | { k: 'object'; attrs: Map<string, Type> }
  | { k: 'map'; elem: Type };

const DYNAMIC: Type = { k: 'dynamic' };

function typeOf(v: Value): Type {
  if (v instanceof Sensitive) return typeOf(v.value);
  if (v === null || v instanceof Unknown) return DYNAMIC;
  if (typeof v === 'string') return { k: 'string' };
  if (typeof v === 'number') return { k: 'number' };
  if (typeof v === 'boolean') return { k: 'bool' };
  if (Array.isArray(v)) return { k: 'tuple', elems: v.map(typeOf) };
  return { k: 'object', attrs: new Map(Object.entries(v).map(([key, x]) => [key, typeOf(x)])) };
}

export function typeLabel(t: Type): string {
  switch (t.k) {
    case 'tuple':
    case 'list':
      return 'list';
    case 'object':
    case 'map':
      return 'object';
    default:
      return t.k;
  }
}

class NoUnify extends Error {}

function same(a: Type, b: Type): boolean {
  if (a.k !== b.k) return false;
  if (a.k === 'tuple' && b.k === 'tuple')
    return a.elems.length === b.elems.length && a.elems.every((x, i) => same(x, b.elems[i]!));
  if ((a.k === 'list' && b.k === 'list') || (a.k === 'map' && b.k === 'map')) return same(a.elem, b.elem);
  if (a.k === 'object' && b.k === 'object') {
    if (a.attrs.size !== b.attrs.size) return false;
    for (const [key, x] of a.attrs) {
      const y = b.attrs.get(key);
      if (!y || !same(x, y)) return false;
    }
  }
  return true;
}

const PRIMITIVE = new Set(['string', 'number', 'bool']);

function unifyTypes(types: Type[]): Type {
  const known = types.filter((t) => t.k !== 'dynamic');
  if (known.length === 0) return DYNAMIC;
  if (known.every((t) => same(t, known[0]!))) return known[0]!;
  if (known.every((t) => PRIMITIVE.has(t.k))) {
    if (known.some((t) => t.k === 'string')) return { k: 'string' };
    throw new NoUnify();
  }
  if (known.every((t) => t.k === 'tuple' || t.k === 'list')) {
    const tuples = known.filter((t) => t.k === 'tuple');
    if (tuples.length === known.length && tuples.every((t) => t.elems.length === tuples[0]!.elems.length)) {
      try {
        return {
          k: 'tuple',
          elems: tuples[0]!.elems.map((_, i) => unifyTypes(tuples.map((t) => t.elems[i]!))),
        };
      } catch (err) {
        if (!(err instanceof NoUnify)) throw err;
      }
    }
    return {
      k: 'list',
      elem: unifyTypes(known.flatMap((t) => (t.k === 'tuple' ? t.elems : t.k === 'list' ? [t.elem] : []))),
    };
  }
  if (known.every((t) => t.k === 'object' || t.k === 'map')) {
    const objects = known.filter((t) => t.k === 'object');
    const keys = objects[0] ? [...objects[0].attrs.keys()].sort().join('\0') : null;
    if (
      objects.length === known.length &&
      objects.every((t) => [...t.attrs.keys()].sort().join('\0') === keys)
    ) {
      const attrs = new Map<string, Type>();
      for (const key of objects[0]!.attrs.keys())
        attrs.set(key, unifyTypes(objects.map((t) => t.attrs.get(key)!)));
      return { k: 'object', attrs };
    }
    return {
      k: 'map',
      elem: unifyTypes(
        known.flatMap((t) => (t.k === 'object' ? [...t.attrs.values()] : t.k === 'map' ? [t.elem] : [])),
      ),
    };
  }
  throw new NoUnify();
}

/** A value converted to a unified type: numbers and bools where strings are wanted become strings. */
function convert(v: Value, t: Type): Value {
  if (v instanceof Sensitive)
    return new Sensitive(convert(v.value, t) as Sensitive['value'], v.names, v.recipe);
  if (v === null || v instanceof Unknown || t.k === 'dynamic') return v;
  if (t.k === 'string') {
    if (typeof v === 'number') return formatNumber(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return v;
  }
  if (Array.isArray(v)) {
    if (t.k === 'tuple') return v.map((x, i) => convert(x, t.elems[i] ?? DYNAMIC));
    if (t.k === 'list') return v.map((x) => convert(x, t.elem));
    return v;
  }
  if (typeof v === 'object') {
    const out: { [key: string]: Value } = {};
    for (const [key, x] of Object.entries(v)) {
      out[key] = convert(
        x,
        t.k === 'object' ? (t.attrs.get(key) ?? DYNAMIC) : t.k === 'map' ? t.elem : DYNAMIC,
      );
    }
    return out;
  }
  return v;
}

/**
 * The values converted to their unified type (the same values when they already share one).
 * Throws E_EVAL_TYPE naming what each value is (`what[i]`) when they have no common type.
 */
export function unify(values: Value[], what: string[], loc: SourceLocation): Value[] {
  const types = values.map(typeOf);
  let target: Type;
  try {
    target = unifyTypes(types);
  } catch (err) {
    if (!(err instanceof NoUnify)) throw err;
    const described = types
      .map((t, i) => (t.k === 'dynamic' ? null : `${what[i] ?? `argument ${i + 1}`} is ${describe(t)}`))
      .filter((x) => x !== null);
    throw new EvalError('E_EVAL_TYPE', `inconsistent types: ${described.join(', ')}`, loc);
  }
  return types.every((t) => same(t, target)) ? values : values.map((v) => convert(v, target));
}

function describe(t: Type): string {
  if (t.k === 'tuple') return t.elems.length === 0 ? 'an empty list' : `a list of ${t.elems.length}`;
  if (t.k === 'object')
    return t.attrs.size === 0 ? 'an empty object' : `an object with ${[...t.attrs.keys()].join(', ')}`;
  return typeLabel(t);
}
