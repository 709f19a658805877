/**
 * The operators and the traversal step of the expression language, on plain (unmarked) values.
 * Shared by the evaluator and by recipe replay, so a replayed derived secret is computed by exactly
 * the code that computed it when the action was recorded.
 */
import type { SourceLocation } from '../../util/errors.js';
import { arithmetic, toNumberValue } from './numbers.js';
import { EvalError, deepEqual, isObject, toBoolValue, typeName } from './values.js';
import type { Value } from './values.js';

export function applyUnary(op: string, v: Value, loc: SourceLocation): Value {
  if (op === 'logicalNot') return !toBoolValue(v, loc, 'operand of !');
  if (op === 'negate') return 0 - toNumberValue(v, loc, 'operand of -');
  throw new EvalError('E_EVAL_UNSUPPORTED', `unsupported operator ${op}`, loc);
}

export function applyBinary(
  op: string,
  l: Value,
  r: Value,
  loc: SourceLocation,
  locs: { left: SourceLocation; right: SourceLocation } = { left: loc, right: loc },
): Value {
  switch (op) {
    case 'logicalAnd':
      return (
        toBoolValue(l, locs.left, 'left operand of &&') && toBoolValue(r, locs.right, 'right operand of &&')
      );
    case 'logicalOr':
      return (
        toBoolValue(l, locs.left, 'left operand of ||') || toBoolValue(r, locs.right, 'right operand of ||')
      );
    case 'equal':
      return deepEqual(l, r);
    case 'notEqual':
      return !deepEqual(l, r);
  }
  const a = toNumberValue(l, locs.left, 'left operand');
  const b = toNumberValue(r, locs.right, 'right operand');
  switch (op) {
    case 'add':
    case 'subtract':
    case 'multiply':
    case 'divide':
    case 'modulo':
      return arithmetic(op, a, b, loc);
    case 'lessThan':
      return a < b;
    case 'lessThanOrEqual':
      return a <= b;
    case 'greaterThan':
      return a > b;
    case 'greaterThanOrEqual':
      return a >= b;
  }
  throw new EvalError('E_EVAL_UNSUPPORTED', `unsupported operator ${op}`, loc);
}

/**
 * One traversal step on a plain value: a list element or a map attribute. Returns undefined when
 * the element or attribute does not exist (the caller words the error: it knows the path).
 */
export function step(v: Value, key: string | number, loc: SourceLocation, what: string): Value | undefined {
  if (Array.isArray(v)) {
    const n = typeof key === 'number' ? key : Number(key);
    if (!Number.isInteger(n) || n < 0 || n >= v.length) return undefined;
    return v[n];
  }
  if (isObject(v)) {
    const k = String(key);
    return Object.hasOwn(v, k) ? v[k] : undefined;
  }
  throw new EvalError(
    'E_EVAL_TYPE',
    `cannot access ${JSON.stringify(key)} of ${what} (a ${typeName(v)})`,
    loc,
  );
}
