/**
 * Static checks of an expression tree, before anything runs: references are resolved against the
 * scopes a context allows, and function calls against the function table (name and arity).
 */
import { suggestion } from '../../util/did-you-mean.js';
import type { Diagnostic, ErrorCode, SourceLocation } from '../../util/errors.js';
import type { Expr, TraversalStep } from './ast.js';
import { children } from './ast.js';
import { arityMessage } from './evaluate.js';
import { FUNCTIONS } from './functions.js';

/** Returns a problem with a reference, or null when it is fine. */
export type ReferenceRule = (
  root: string,
  path: TraversalStep[],
  loc: SourceLocation,
) => { code: ErrorCode; message: string } | null;

export function checkExpression(expr: Expr, rule: ReferenceRule, out: Diagnostic[]): void {
  visit(expr, new Set(), rule, out);
}

function visit(e: Expr, locals: ReadonlySet<string>, rule: ReferenceRule, out: Diagnostic[]): void {
  if (e.kind === 'scope') {
    if (locals.has(e.root)) return;
    const problem = rule(e.root, e.path, e.loc);
    if (problem) out.push({ ...e.loc, ...problem });
    return;
  }
  if (e.kind === 'call') {
    const def = Object.hasOwn(FUNCTIONS, e.name) ? FUNCTIONS[e.name] : undefined;
    if (!def) {
      out.push({
        ...e.loc,
        code: 'E_UNKNOWN_FUNCTION',
        message: `unknown function "${e.name}"${suggestion(e.name, Object.keys(FUNCTIONS))}`,
      });
    } else if (!e.expandFinal && (e.args.length < def.min || e.args.length > def.max)) {
      out.push({
        ...e.loc,
        code: 'E_FUNCTION_ARITY',
        message: arityMessage(e.name, def.min, def.max, e.args.length),
      });
    }
  }
  if (e.kind === 'for') {
    visit(e.collection, locals, rule, out);
    const inner = new Set(locals);
    if (e.keyVar) inner.add(e.keyVar);
    inner.add(e.valueVar);
    for (const x of [e.key, e.value, e.cond]) if (x) visit(x, inner, rule, out);
    return;
  }
  for (const c of children(e)) visit(c, locals, rule, out);
}

/** Every `root.<name>` referenced (first path segment), e.g. the consts a const depends on. */
export function referencedNames(expr: Expr, root: string): Set<string> {
  const names = new Set<string>();
  const go = (e: Expr): void => {
    if (e.kind === 'scope' && e.root === root && e.path[0]?.kind === 'attr') names.add(e.path[0].name);
    if (e.kind === 'scope' && e.root === root && e.path[0]?.kind === 'index')
      names.add(String(e.path[0].key));
    for (const c of children(e)) go(c);
  };
  go(expr);
  return names;
}

/** Every scope reference in a tree, as `[root, first path name]` (e.g. `["orbit", "sequence"]`). */
export function scopeReferences(expr: Expr): Array<[string, string | undefined]> {
  const refs: Array<[string, string | undefined]> = [];
  const go = (e: Expr): void => {
    if (e.kind === 'scope') {
      const first = e.path[0];
      refs.push([e.root, first?.kind === 'attr' ? first.name : first ? String(first.key) : undefined]);
    }
    for (const c of children(e)) go(c);
  };
  go(expr);
  return refs;
}
