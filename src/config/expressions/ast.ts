/**
 * Orbit's own expression tree: plain, serialisable data converted from hcl2json's
 * `getExpressionAst` output, with absolute source locations. The evaluator and the static checks
 * both walk this tree.
 */
import type { SourceLocation } from '../../util/errors.js';

/** An index key is null for `x[null]` (an error when evaluated, not when parsed). */
export type TraversalStep = { kind: 'attr'; name: string } | { kind: 'index'; key: string | number | null };

export type Expr =
  | {
      kind: 'literal';
      value: string | number | boolean | null;
      loc: SourceLocation;
      /** A number literal Orbit cannot hold exactly: an E_EVAL_NUMBER when evaluated. */
      numberError?: string;
    }
  /** String concatenation of parts (literals, interpolations, directives). */
  | { kind: 'template'; parts: Expr[]; loc: SourceLocation }
  | { kind: 'tuple'; items: Expr[]; loc: SourceLocation }
  | { kind: 'object'; items: Array<{ key: Expr; value: Expr }>; loc: SourceLocation }
  /** `root.a[0].b`: a variable or scope with a static path. */
  | { kind: 'scope'; root: string; path: TraversalStep[]; loc: SourceLocation }
  /** `expr.a[0]`: a static path applied to the value of another expression. */
  | { kind: 'relative'; source: Expr; path: TraversalStep[]; loc: SourceLocation }
  | { kind: 'index'; collection: Expr; key: Expr; loc: SourceLocation }
  | { kind: 'call'; name: string; args: Expr[]; expandFinal: boolean; loc: SourceLocation }
  | { kind: 'conditional'; cond: Expr; then: Expr; else: Expr; loc: SourceLocation }
  | { kind: 'unary'; op: string; operand: Expr; loc: SourceLocation }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; loc: SourceLocation }
  | {
      kind: 'for';
      /** 'tuple' for `[for ...]`, 'object' for `{for ...}`, 'template' for `%{for}` directives. */
      result: 'tuple' | 'object' | 'template';
      keyVar: string | null;
      valueVar: string;
      collection: Expr;
      key: Expr | null;
      value: Expr;
      cond: Expr | null;
      grouped: boolean;
      loc: SourceLocation;
    }
  /** `source[*].each`: `each` is evaluated with the anonymous symbol bound to each element. */
  | { kind: 'splat'; source: Expr; each: Expr | null; loc: SourceLocation }
  /** The element being visited inside a splat's `each`. */
  | { kind: 'splatItem'; loc: SourceLocation };

/** Visits every node of a tree, parents first. */
export function walk(expr: Expr, visit: (e: Expr) => void): void {
  visit(expr);
  for (const child of children(expr)) walk(child, visit);
}

export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'literal':
    case 'scope':
    case 'splatItem':
      return [];
    case 'template':
      return e.parts;
    case 'tuple':
      return e.items;
    case 'object':
      return e.items.flatMap((i) => [i.key, i.value]);
    case 'relative':
      return [e.source];
    case 'index':
      return [e.collection, e.key];
    case 'call':
      return e.args;
    case 'conditional':
      return [e.cond, e.then, e.else];
    case 'unary':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'for':
      return [e.collection, ...(e.key ? [e.key] : []), e.value, ...(e.cond ? [e.cond] : [])];
    case 'splat':
      return e.each ? [e.source, e.each] : [e.source];
  }
}
