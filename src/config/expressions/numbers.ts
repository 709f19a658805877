/**
 * Numbers as cty computes them: each operation is exact decimal arithmetic (decimal.js at 155
 * significant digits, about cty's 512-bit big.Float), so `11 % 5.1` is 0.8 and `0.1 + 0.2` is 0.3.
 * A value is held as a float64 between operations because the state log stores numbers as JSON
 * numbers; an integer a float64 cannot hold exactly (past 2^53) is refused with E_EVAL_NUMBER
 * instead of silently losing digits in a rendered command (docs/hcl.md).
 */
import type { SourceLocation } from '../../util/errors.js';
import { dec, isNumberText, type Dec } from './decimal.js';
import { EvalError, typeName } from './values.js';
import type { Value } from './values.js';

/** The float64 for an exact decimal; refuses an integer that would lose digits, or an overflow. */
export function toDouble(d: Dec, loc: SourceLocation): number {
  const n = d.toNumber();
  if (!Number.isFinite(n)) {
    throw new EvalError('E_EVAL_NUMBER', 'number is too large for Orbit (beyond float64)', loc);
  }
  if (d.isInteger() && !d.eq(dec(n))) {
    throw new EvalError(
      'E_EVAL_NUMBER',
      `integer ${shorten(d.toFixed())} has more digits than Orbit keeps exactly (float64, up to 2^53)`,
      loc,
    );
  }
  return n === 0 ? 0 : n; // no -0: cty has no negative zero
}

function shorten(s: string): string {
  return s.length > 40 ? `${s.slice(0, 20)}...${s.slice(-8)}` : s;
}

/** Parses number text (HCL literal syntax) into a float64, as `toDouble` does. */
export function parseNumber(text: string, loc: SourceLocation): number {
  if (!isNumberText(text)) throw new EvalError('E_EVAL_TYPE', `"${shorten(text)}" is not a number`, loc);
  // Exponents past these bounds cannot be a finite float64 nor a non-zero one: no huge expansion.
  const exp = /[eE]([-+]?\d+)$/.exec(text);
  if (exp && Math.abs(Number(exp[1])) > 400) {
    const mantissaZero = /^[-+]?[0.]*(?:[eE]|$)/.test(text);
    if (Number(exp[1]) < 0 || mantissaZero) return 0;
    throw new EvalError('E_EVAL_NUMBER', 'number is too large for Orbit (beyond float64)', loc);
  }
  if (/^-?\d{1,15}$/.test(text)) return Number(text) + 0;
  return toDouble(dec(text), loc);
}

export type ArithOp = 'add' | 'subtract' | 'multiply' | 'divide' | 'modulo';

export const ARITHMETIC: ReadonlySet<string> = new Set(['add', 'subtract', 'multiply', 'divide', 'modulo']);

/** The exact result of one operation on exact operands. */
export function exactArithmetic(op: ArithOp, x: Dec, y: Dec, loc: SourceLocation): Dec {
  switch (op) {
    case 'add':
      return x.plus(y);
    case 'subtract':
      return x.minus(y);
    case 'multiply':
      return x.times(y);
    case 'divide':
      if (y.isZero()) throw new EvalError('E_EVAL_DIVIDE_BY_ZERO', 'division by zero', loc);
      return x.div(y);
    case 'modulo':
      if (y.isZero()) throw new EvalError('E_EVAL_DIVIDE_BY_ZERO', 'modulo by zero', loc);
      // cty truncates the quotient: the remainder has the sign of the dividend.
      return x.mod(y);
  }
}

/**
 * The result of `a op b` when plain float64 arithmetic is exact (safe integers, and a quotient
 * that divides evenly), so the common case needs no decimal arithmetic; otherwise undefined.
 */
export function exactInteger(op: ArithOp, a: number, b: number): number | undefined {
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b === 0) return undefined;
  const n =
    op === 'add'
      ? a + b
      : op === 'subtract'
        ? a - b
        : op === 'multiply'
          ? a * b
          : op === 'modulo'
            ? a % b
            : a / b;
  return Number.isSafeInteger(n) ? n + 0 : undefined; // `+ 0`: no -0, cty has none
}

export function arithmetic(op: ArithOp, a: number, b: number, loc: SourceLocation): number {
  return exactInteger(op, a, b) ?? toDouble(exactArithmetic(op, dec(a), dec(b), loc), loc);
}

/** HCL's conversion to number: a number, or a string in number syntax (`"12"`, not `" 12"`). */
export function toNumberValue(v: Value, loc: SourceLocation, what = 'value'): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && isNumberText(v)) return parseNumber(v, loc);
  throw new EvalError('E_EVAL_TYPE', `${what} must be a number, got ${typeName(v)}`, loc);
}
