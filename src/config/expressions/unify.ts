/**
 * cty's type unification, for the places HCL asks for one type out of several values (the two
 * results of a conditional, the arguments of `coalesce`): `true ? 12 : "hello"` is `"12"`, since a
 * number and a bool both convert to string; a number and a bool have no common type, so
 * `true ? 1 : true` is an error. Null and unknown values fit any type. Collections are checked by
 * kind only (a list and a map do not unify); their element types are not unified (docs/hcl.md).
 */
import type { SourceLocation } from '../../util/errors.js';
import { formatNumber } from './decimal.js';
import { EvalError, Sensitive, Unknown } from './values.js';
import type { Value } from './values.js';

type Kind = 'string' | 'number' | 'bool' | 'list' | 'object';

function kindOf(v: Value): Kind | null {
  if (v instanceof Sensitive) return kindOf(v.value);
  if (v === null || v instanceof Unknown) return null;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return Array.isArray(v) ? 'list' : 'object';
}

const PRIMITIVE: ReadonlySet<Kind> = new Set(['string', 'number', 'bool']);

/**
 * The kind every value is converted to, or null when they are all of one kind already (or null /
 * unknown). Throws E_EVAL_TYPE, naming `what` each value is, when they have no common type.
 */
export function unifiedKind(values: Value[], what: string[], loc: SourceLocation): 'string' | null {
  const kinds = values.map(kindOf);
  const present = new Set(kinds.filter((k): k is Kind => k !== null));
  if (present.size <= 1) return null;
  if ([...present].every((k) => PRIMITIVE.has(k)) && present.has('string')) return 'string';
  const described = kinds
    .map((k, i) => (k ? `${what[i] ?? `argument ${i + 1}`} is ${k}` : null))
    .filter((x) => x !== null);
  throw new EvalError('E_EVAL_TYPE', `inconsistent types: ${described.join(', ')}`, loc);
}

/** A primitive converted to string, keeping its marks (a sensitive number stays sensitive). */
export function asString(v: Value): Value {
  if (v instanceof Sensitive) return new Sensitive(asString(v.value) as string, v.names, v.recipe);
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v;
}

/** The values converted to their unified type (unchanged when they already share one). */
export function unify(values: Value[], what: string[], loc: SourceLocation): Value[] {
  return unifiedKind(values, what, loc) === 'string' ? values.map(asString) : values;
}
