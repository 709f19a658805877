/** Which references a step or const may use, with a did-you-mean for the unknown ones. */
import type { ErrorCode } from '../util/error-codes.js';
import { suggestion } from '../util/did-you-mean.js';
import type { TraversalStep } from './expressions/ast.js';
import type { ReferenceRule } from './expressions/check.js';
import { ORBIT_SCOPE_KEYS } from './names.js';

type Problem = { code: ErrorCode; message: string };

const SCOPES = ['var', 'const', 'orbit', 'previous', 'step', 'dependency'];

const nameAt = (path: TraversalStep[], i: number): string | undefined => {
  const s = path[i];
  return s?.kind === 'attr' ? s.name : s ? String(s.key) : undefined;
};

function unknownRef(ref: string, name: string, candidates: Iterable<string>, why: string): Problem {
  const hint = suggestion(name, candidates);
  return { code: 'E_UNKNOWN_REFERENCE', message: `unknown reference "${ref}"${hint ? hint : `: ${why}`}` };
}

/** The reference rule shared by consts and steps (`step.*` is checked per step, where the order is known). */
export function scopeRule(
  varNames: ReadonlySet<string>,
  constNames: ReadonlySet<string>,
  dependencies: ReadonlySet<string> = new Set(),
): ReferenceRule {
  return (root, path) => {
    const name = nameAt(path, 0);
    switch (root) {
      case 'var':
        if (name === undefined) return { code: 'E_BAD_REFERENCE', message: 'use var.<name>, not var alone' };
        return varNames.has(name)
          ? null
          : unknownRef(`var.${name}`, name, varNames, 'no such variable is declared');
      case 'const':
        if (name === undefined)
          return { code: 'E_BAD_REFERENCE', message: 'use const.<name>, not const alone' };
        return constNames.has(name)
          ? null
          : unknownRef(`const.${name}`, name, constNames, 'no such const is defined');
      case 'orbit':
        if (name !== undefined && ORBIT_SCOPE_KEYS.includes(name)) return null;
        return unknownRef(
          `orbit.${name ?? ''}`,
          name ?? '',
          ORBIT_SCOPE_KEYS,
          `orbit.* has ${ORBIT_SCOPE_KEYS.join(', ')}`,
        );
      case 'previous': {
        if (name === undefined || name === 'id') return null;
        if (name !== 'var')
          return unknownRef(`previous.${name}`, name, ['id', 'var'], 'previous has id and var.*');
        const vn = nameAt(path, 1);
        if (vn === undefined || varNames.has(vn)) return null;
        return unknownRef(`previous.var.${vn}`, vn, varNames, 'no such variable is declared');
      }
      case 'step':
        return null;
      case 'dependency':
        return dependencyReference(path, dependencies);
      default:
        return unknownRef(root, root, SCOPES, 'scopes are var, const, orbit, previous, step and dependency');
    }
  };
}

/** A `step.<name>.output.<key>` reference from step `index` (`self` may be used in its reverse). */
export function stepReference(
  path: TraversalStep[],
  index: number,
  stepNames: ReadonlyArray<string | null>,
  self: string | null,
  selfAllowed: boolean,
): Problem | null {
  const target = nameAt(path, 0);
  if (target === undefined) return { code: 'E_BAD_REFERENCE', message: 'use step.<name>.output.<key>' };
  const at = stepNames.indexOf(target);
  if (at < 0) {
    const earlier = stepNames.slice(0, index).filter((n): n is string => n !== null);
    return unknownRef(`step.${target}`, target, earlier, 'no step has this name');
  }
  if ((target === self && !selfAllowed) || (target !== self && at >= index)) {
    return {
      code: 'E_STEP_ORDER',
      message: `step.${target} is ${target === self ? 'this step' : 'a later step'}; only outputs of earlier steps can be used${target === self ? ' (its own outputs only in reverse)' : ''}`,
    };
  }
  const second = path[1];
  if (second && !(second.kind === 'attr' && second.name === 'output')) {
    return { code: 'E_BAD_REFERENCE', message: `use step.${target}.output.<key>` };
  }
  return null;
}

/** `dependency.<service>.id`, `.var.<name>` or `.step.<name>.output.<key>`, of a service in depends_on. */
function dependencyReference(path: TraversalStep[], dependencies: ReadonlySet<string>): Problem | null {
  const service = nameAt(path, 0);
  if (service === undefined)
    return {
      code: 'E_BAD_REFERENCE',
      message: 'use dependency.<service>.var.<name> (a service of depends_on)',
    };
  if (!dependencies.has(service)) {
    const hint = suggestion(service, dependencies);
    return {
      code: 'E_UNKNOWN_REFERENCE',
      message: `unknown reference "dependency.${service}"${hint || ': only services listed in depends_on can be read'}`,
    };
  }
  const part = nameAt(path, 1);
  if (part === undefined || part === 'id' || part === 'var') return null;
  if (part === 'step') {
    const third = path[3];
    if (third && !(third.kind === 'attr' && third.name === 'output'))
      return { code: 'E_BAD_REFERENCE', message: `use dependency.${service}.step.<name>.output.<key>` };
    return null;
  }
  return unknownRef(
    `dependency.${service}.${part}`,
    part,
    ['id', 'var', 'step'],
    'a dependency has id, var.* and step.*',
  );
}
