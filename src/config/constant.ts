/** Evaluates expressions that must be constant (values.hcl, variable defaults, settings, agents). */
import type { Diagnostic } from '../util/errors.js';
import type { Expr } from './expressions/ast.js';
import { checkExpression } from './expressions/check.js';
import { evaluate } from './expressions/evaluate.js';
import { EvalError } from './expressions/values.js';

/** The value, or undefined after pushing diagnostics. */
export function evaluateConstant(expr: Expr, where: string, out: Diagnostic[]): unknown {
  const before = out.length;
  checkExpression(
    expr,
    (root) => ({
      code: 'E_NOT_CONSTANT',
      message: `${where} must be a constant value; it cannot reference "${root}"`,
    }),
    out,
  );
  if (out.length > before) return undefined;
  try {
    return evaluate(expr, { roots: {} });
  } catch (err) {
    if (err instanceof EvalError) {
      out.push({ ...err.loc, code: err.code, message: err.message });
      return undefined;
    }
    throw err;
  }
}
/** The string of an expression that is a plain string literal, else null. */
export function literalString(expr: Expr | undefined): string | null {
  if (!expr) return null;
  if (expr.kind === 'literal' && typeof expr.value === 'string') return expr.value;
  if (expr.kind === 'template' && expr.parts.every((p) => p.kind === 'literal')) {
    return expr.parts.map((p) => (p.kind === 'literal' ? String(p.value ?? '') : '')).join('');
  }
  return null;
}
