/**
 * Replays a recipe: recomputes a value derived from secrets, with the secrets resolved again and
 * every other input as it was recorded. Uses the evaluator's own functions and operators, so the
 * result is the value that was computed when the action was rendered (for the same secrets).
 */
import type { SourceLocation } from '../../util/errors.js';
import { EvalBudget } from './budget.js';
import { FUNCTIONS } from './functions.js';
import { applyBinary, applyUnary, step } from './ops.js';
import { EvalError, MAX_STRING, fromPlain, measure, toBoolValue, toStringValue } from './values.js';
import type { Recipe, Value } from './values.js';
import { unify } from './unify.js';

/** The branch not taken, as the evaluator saw it: null when it could not be computed. */
function quietly(run: () => Value): Value {
  try {
    return run();
  } catch (err) {
    if (err instanceof EvalError && err.code !== 'E_EVAL_LIMIT') return null;
    throw err;
  }
}

const AT: SourceLocation = { file: '(recorded action)', line: 1, column: 1 };

/** Thrown when a recipe names a secret that is not available now. */
export class MissingSecret extends Error {
  constructor(readonly secret: string) {
    super(`sensitive variable "${secret}" has no value`);
  }
}

export function replayRecipe(
  recipe: Recipe,
  secrets: Readonly<Record<string, unknown>>,
  budget: EvalBudget = new EvalBudget(),
  /** Told of every string a function computes on the way (to mask it, as at deploy time). */
  onDerived?: (s: string) => void,
): Value {
  const go = (r: Recipe): Value => {
    budget.work(1, AT);
    if ('v' in r) return fromPlain(r.v);
    if ('secret' in r) {
      if (!Object.hasOwn(secrets, r.secret)) throw new MissingSecret(r.secret);
      return fromPlain(secrets[r.secret]);
    }
    if ('tpl' in r) {
      let out = '';
      for (const p of r.tpl) {
        const v = go(p);
        if (v !== null) out += toStringValue(v, AT);
        if (out.length > MAX_STRING) throw new EvalError('E_EVAL_LIMIT', 'string too long', AT);
      }
      return out;
    }
    if ('list' in r) return r.list.map(go);
    if ('obj' in r) return Object.fromEntries(r.obj.map(([k, x]) => [k, go(x)])) as Value;
    if ('get' in r) {
      const from = go(r.get);
      const key = go(r.key);
      const k = typeof key === 'number' ? key : toStringValue(key, AT, 'index');
      const v = from === null ? undefined : step(from, k, AT, 'recorded value');
      if (v === undefined)
        throw new EvalError('E_EVAL_INDEX', `recorded value has no element ${String(k)}`, AT);
      return v;
    }
    if ('fn' in r) {
      const def = Object.hasOwn(FUNCTIONS, r.fn) ? FUNCTIONS[r.fn] : undefined;
      if (!def) throw new EvalError('E_UNKNOWN_FUNCTION', `unknown function "${r.fn}"`, AT);
      const args = r.args.map(go);
      budget.work(def.cost ? def.cost(args) : args.reduce<number>((n, a) => n + measure(a).size, 0), AT);
      const result = def.fn(args, AT);
      if (typeof result === 'string') onDerived?.(result);
      return result;
    }
    if (r.op === 'conditional') {
      const yes = toBoolValue(go(r.args[0]!), AT, 'condition');
      const taken = go(r.args[yes ? 1 : 2]!);
      const other = quietly(() => go(r.args[yes ? 2 : 1]!));
      const [t, el] = unify(yes ? [taken, other] : [other, taken], ['true', 'false'], AT);
      return yes ? t! : el!;
    }
    if (r.args.length === 1) return applyUnary(r.op, go(r.args[0]!), AT);
    const l = go(r.args[0]!);
    // && and || short-circuit as in the evaluator: the right side may not have been computable.
    if (r.op === 'logicalAnd' && !toBoolValue(l, AT)) return false;
    if (r.op === 'logicalOr' && toBoolValue(l, AT)) return true;
    return applyBinary(r.op, l, go(r.args[1]!), AT);
  };
  return go(recipe);
}

/** Number of nodes of a recipe as it is stored (shared parts counted once per use). */
export function recipeSize(recipe: Recipe, memo = new Map<Recipe, number>()): number {
  const seen = memo.get(recipe);
  if (seen !== undefined) return seen;
  let n = 1;
  if ('v' in recipe) n += measure(recipe.v as Value).size;
  else if ('tpl' in recipe) for (const x of recipe.tpl) n += recipeSize(x, memo);
  else if ('list' in recipe) for (const x of recipe.list) n += recipeSize(x, memo);
  else if ('obj' in recipe) for (const [k, x] of recipe.obj) n += k.length + recipeSize(x, memo);
  else if ('get' in recipe) n += recipeSize(recipe.get, memo) + recipeSize(recipe.key, memo);
  else if ('args' in recipe) for (const x of recipe.args) n += recipeSize(x, memo);
  memo.set(recipe, n);
  return n;
}
