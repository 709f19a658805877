/** `const` blocks: checked, and ordered so each const comes after the consts it uses. */
import type { Diagnostic } from '../util/errors.js';
import { checkExpression, referencedNames } from './expressions/check.js';
import type { ReferenceRule } from './expressions/check.js';
import type { ParsedAttribute } from './hcl/parse.js';
import type { AttributeSpec } from './types.js';

/** Checks the const attributes (no step outputs, no duplicates) and orders them. */
export function readConsts(
  attrs: ParsedAttribute[],
  baseRule: ReferenceRule,
  out: Diagnostic[],
): AttributeSpec[] {
  const names = new Set<string>();
  for (const a of attrs) {
    if (names.has(a.name)) {
      out.push({
        ...a.location,
        code: 'E_DUPLICATE_CONST',
        message: `const "${a.name}" is defined more than once`,
      });
    }
    names.add(a.name);
  }
  for (const a of attrs) {
    checkExpression(
      a.expr,
      (root, path, loc) =>
        root === 'step'
          ? {
              code: 'E_BAD_REFERENCE',
              message: 'a const cannot use step outputs: consts are computed before any step runs',
            }
          : baseRule(root, path, loc),
      out,
    );
  }
  return orderConsts(attrs, out);
}

/** Orders consts so each comes after the consts it uses; reports cycles. */
function orderConsts(attrs: ParsedAttribute[], out: Diagnostic[]): AttributeSpec[] {
  const byName = new Map(attrs.map((a) => [a.name, a]));
  const ordered: AttributeSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (a: ParsedAttribute, chain: string[]): void => {
    const s = state.get(a.name);
    if (s === 'done') return;
    if (s === 'visiting') {
      out.push({
        ...a.location,
        code: 'E_CONST_CYCLE',
        message: `const cycle: ${[...chain, a.name].join(' -> ')}`,
      });
      return;
    }
    state.set(a.name, 'visiting');
    for (const dep of referencedNames(a.expr, 'const')) {
      const d = byName.get(dep);
      if (d) visit(d, [...chain, a.name]);
    }
    state.set(a.name, 'done');
    ordered.push({ name: a.name, expr: a.expr, location: a.location });
  };
  for (const a of attrs) visit(a, []);
  return ordered;
}
