/**
 * Evaluates an `Expr` against a scope. Pure and bounded: errors are `EvalError`s with a stable code
 * and the location of the offending sub-expression; every node draws on an `EvalBudget`.
 * `Unknown` values (plan time) propagate. `Sensitive` values (marks, as in go-cty) propagate too:
 * whatever is computed from a sensitive value is sensitive, and carries a recipe to recompute it.
 */
import type { SourceLocation } from '../../util/errors.js';
import { marker } from '../../util/secrets.js';
import type { Expr, TraversalStep } from './ast.js';
import { EvalBudget } from './budget.js';
import { FUNCTIONS } from './functions.js';
import { applyBinary, applyUnary, step } from './ops.js';
import { dec, type Dec } from './decimal.js';
import { ARITHMETIC, exactArithmetic, exactInteger, toDouble, type ArithOp } from './numbers.js';
import { nfc } from './text.js';
import { unify } from './unify.js';
import {
  EvalError,
  MAX_STRING,
  MAX_VALUE_DEPTH,
  Sensitive,
  Unknown,
  findUnknown,
  isObject,
  mark,
  measure,
  recipeOf,
  toBoolValue,
  toStringValue,
  typeName,
  unmark,
  unmarkDeep,
} from './values.js';
import type { Recipe, Value } from './values.js';

export interface EvalScope {
  /** Top-level names: `var`, `const`, `orbit`, `previous`, `step`. */
  roots: Record<string, Value>;
  /** Roots whose missing attributes and null parents read as null (e.g. `previous`). */
  nullSafeRoots?: ReadonlySet<string>;
  /** Told of every string computed from a secret (`base64encode(var.pw)`), to mask it in logs. */
  onDerived?: (s: string) => void;
}

/** Deepest nesting accepted; keeps pathological input from overflowing the stack. */
export const MAX_DEPTH = 200;

interface Frame {
  scope: EvalScope;
  locals: Map<string, Value>;
  splatItem?: Value;
  depth: number;
  budget: EvalBudget;
}

/** Evaluates `expr`; `budget` is shared by every expression of one render (default: a fresh one). */
export function evaluate(expr: Expr, scope: EvalScope, budget: EvalBudget = new EvalBudget()): Value {
  return ev(expr, { scope, locals: new Map(), depth: 0, budget });
}

/** Charges a value just built, and refuses one nested too deeply to walk safely. */
function built<T extends Value>(v: T, loc: SourceLocation, f: Frame): T {
  const m = measure(v);
  if (m.depth > MAX_VALUE_DEPTH) {
    throw new EvalError('E_EVAL_LIMIT', `value nested more than ${MAX_VALUE_DEPTH} deep`, loc, {
      limit: 'depth',
      value: MAX_VALUE_DEPTH,
    });
  }
  f.budget.built(typeof v === 'object' && v !== null && !(v instanceof Unknown) ? shallow(v) : m.size, loc);
  return v;
}

function shallow(v: Value): number {
  if (v instanceof Sensitive) return 1;
  return Array.isArray(v) ? v.length + 1 : Object.keys(v as object).length + 1;
}

function ev(e: Expr, f: Frame): Value {
  if (f.depth > MAX_DEPTH) {
    throw new EvalError('E_EVAL_LIMIT', `expression nested more than ${MAX_DEPTH} deep`, e.loc, {
      limit: 'depth',
      value: MAX_DEPTH,
    });
  }
  f.budget.work(1, e.loc);
  const d: Frame = { ...f, depth: f.depth + 1 };
  switch (e.kind) {
    case 'literal':
      if (e.numberError) throw new EvalError('E_EVAL_NUMBER', e.numberError, e.loc);
      return e.value;
    case 'template':
      return template(e.parts, e.loc, d);
    case 'tuple':
      return built(
        e.items.map((x) => ev(x, d)),
        e.loc,
        d,
      );
    case 'object':
      return objectLiteral(e, d);
    case 'scope':
      return reference(e.root, e.path, e.loc, d);
    case 'relative':
      return traverse(ev(e.source, d), e.path, e.loc, { nullSafe: false, label: 'value' });
    case 'index': {
      const coll = ev(e.collection, d);
      const rawKey = ev(e.key, d);
      const { value: key, names } = unmark(rawKey);
      if (key instanceof Unknown) return mark(key, names, () => recipeOf(rawKey));
      if (key === null) throw new EvalError('E_EVAL_NULL', 'the index is null', e.key.loc);
      const k = typeof key === 'number' ? key : toStringValue(key, e.key.loc, 'index');
      const at = () =>
        traverse(coll, [{ kind: 'index', key: k }], e.loc, { nullSafe: false, label: 'value' });
      const v = names.size > 0 ? quote(at, 'the index', names) : at();
      return mark(v, names, () => ({ get: recipeOf(coll), key: recipeOf(rawKey) }));
    }
    case 'call':
      return call(e, d);
    case 'conditional':
      return conditional(e, d);
    case 'unary': {
      const raw = ev(e.operand, d);
      const names = new Set<string>();
      const v = unmarkDeep(raw, names);
      if (v instanceof Unknown) return mark(v, names, () => recipeOf(raw));
      return mark(applyUnary(e.op, v, e.operand.loc), names, () => ({ op: e.op, args: [recipeOf(raw)] }));
    }
    case 'binary':
      return binary(e, d);
    case 'for':
      return forExpr(e, d);
    case 'splat': {
      const raw = ev(e.source, d);
      const { value: src, names } = unmark(raw);
      if (src instanceof Unknown) return mark(src, names, () => recipeOf(raw));
      const items = src === null ? [] : Array.isArray(src) ? src : [src];
      const elems = items.map((item, i) =>
        mark(item, names, () => (Array.isArray(src) ? { get: recipeOf(raw), key: { v: i } } : recipeOf(raw))),
      );
      const out = built(
        elems.map((item) => (e.each ? ev(e.each, { ...d, splatItem: item }) : item)),
        e.loc,
        d,
      );
      return mark(out, names, () => recipeOf(out));
    }
    case 'splatItem':
      return d.splatItem ?? null;
  }
}

function template(parts: Expr[], loc: SourceLocation, f: Frame): Value {
  let out = '';
  const names = new Set<string>();
  const raws: Value[] = [];
  for (const p of parts) {
    const raw = ev(p, f);
    raws.push(raw);
    const { value: v, names: n } = unmark(raw);
    for (const x of n) names.add(x);
    // null interpolates as "" so `${previous.var.version}` works on a first deployment.
    if (v === null) continue;
    if (typeof v === 'object' && !(v instanceof Unknown)) {
      throw new EvalError('E_EVAL_TYPE', `cannot interpolate a ${typeName(v)} into a string`, p.loc);
    }
    out += toStringValue(v, p.loc);
    if (out.length > MAX_STRING) throw new EvalError('E_EVAL_LIMIT', 'string too long', p.loc);
  }
  // NFC as cty, but not text holding a secret: masking looks for the secret's text as given.
  if (names.size === 0) out = nfc(out);
  built(out, loc, f);
  return mark(out, names, () => ({ tpl: raws.map(recipeOf) }));
}

function objectLiteral(e: Extract<Expr, { kind: 'object' }>, f: Frame): Value {
  const out: { [key: string]: Value } = {};
  const names = new Set<string>();
  const keys: Value[] = [];
  const vals: Value[] = [];
  for (const item of e.items) {
    const rawKey = ev(item.key, f);
    const { value: k, names: n } = unmark(rawKey);
    if (k instanceof Unknown) return k;
    for (const x of n) names.add(x);
    const key = toStringValue(k, item.key.loc, 'object key');
    const value = ev(item.value, f);
    out[key] = value;
    keys.push(rawKey);
    vals.push(value);
  }
  built(out, e.loc, f);
  // A key computed from a secret makes the whole map sensitive: its shape depends on the secret.
  return mark(out, names, () => ({
    fn: 'zipmap',
    args: [{ list: keys.map(recipeOf) }, { list: vals.map(recipeOf) }],
  }));
}

function reference(root: string, path: TraversalStep[], loc: SourceLocation, f: Frame): Value {
  if (f.locals.has(root)) {
    return traverse(f.locals.get(root)!, path, loc, { nullSafe: false, label: root });
  }
  const roots = f.scope.roots;
  if (!Object.hasOwn(roots, root)) {
    throw new EvalError('E_UNKNOWN_REFERENCE', `unknown reference "${root}"`, loc, { reference: root });
  }
  const nullSafe = f.scope.nullSafeRoots?.has(root) ?? false;
  return traverse(roots[root]!, path, loc, { nullSafe, label: root });
}

function describe(label: string, path: TraversalStep[], upto: number): string {
  let s = label;
  for (const p of path.slice(0, upto)) s += p.kind === 'attr' ? `.${p.name}` : `[${JSON.stringify(p.key)}]`;
  return s;
}

/** Follows a static path; marks met on the way mark the result (a part of a secret is secret). */
function traverse(
  start: Value,
  path: TraversalStep[],
  loc: SourceLocation,
  opts: { nullSafe: boolean; label: string },
): Value {
  let v = start;
  const names = new Set<string>();
  let recipe: Recipe | null = null;
  const done = (x: Value): Value => (recipe ? mark(x, names, () => recipe!) : x);
  for (let i = 0; i < path.length; i++) {
    const s = path[i]!;
    if (v instanceof Sensitive) {
      for (const n of v.names) names.add(n);
      recipe ??= v.recipe;
      v = v.value;
    }
    if (v instanceof Unknown) {
      const name = s.kind === 'attr' ? s.name : String(s.key);
      v = new Unknown(v.description.includes(':') ? `${v.description}.${name}` : `${v.description}: ${name}`);
      continue;
    }
    const key = s.kind === 'attr' ? s.name : s.key;
    if (key === null)
      throw new EvalError('E_EVAL_NULL', `the index of ${describe(opts.label, path, i)} is null`, loc);
    if (v === null) {
      if (opts.nullSafe) return done(null);
      throw new EvalError('E_EVAL_NULL', `${describe(opts.label, path, i)} is null`, loc);
    }
    const next = step(v, key, loc, describe(opts.label, path, i));
    if (next === undefined) {
      if (Array.isArray(v)) {
        throw new EvalError(
          'E_EVAL_INDEX',
          `${describe(opts.label, path, i)} has no element ${String(key)}`,
          loc,
        );
      }
      if (opts.nullSafe) return done(null);
      const code = opts.label === 'step' && i >= 2 ? 'E_MISSING_OUTPUT' : 'E_EVAL_INDEX';
      throw new EvalError(code, `${describe(opts.label, path, i)} has no attribute "${String(key)}"`, loc, {
        reference: describe(opts.label, path, i + 1),
      });
    }
    if (recipe) recipe = { get: recipe, key: { v: key } };
    v = next;
  }
  return done(v);
}

function call(e: Extract<Expr, { kind: 'call' }>, f: Frame): Value {
  const def = Object.hasOwn(FUNCTIONS, e.name) ? FUNCTIONS[e.name] : undefined;
  if (!def)
    throw new EvalError('E_UNKNOWN_FUNCTION', `unknown function "${e.name}"`, e.loc, { name: e.name });
  if (def.lazy) return tryOrCan(e, f);
  let args = e.args.map((a) => ev(a, f));
  if (e.expandFinal && args.length > 0) {
    const raw = args[args.length - 1]!;
    const { value: last, names } = unmark(raw);
    if (last instanceof Unknown) return mark(last, names, () => recipeOf(raw));
    if (!Array.isArray(last))
      throw new EvalError('E_EVAL_TYPE', 'the argument before ... must be a list', e.loc);
    const spread = last.map((x, i) => mark(x, names, () => ({ get: recipeOf(raw), key: { v: i } })));
    args = [...args.slice(0, -1), ...spread];
  }
  if (args.length < def.min || args.length > def.max) {
    throw new EvalError('E_FUNCTION_ARITY', arityMessage(e.name, def.min, def.max, args.length), e.loc);
  }
  // Charged before running: the cost of a call grows with the size of its arguments.
  f.budget.work(def.cost ? def.cost(args) : args.reduce<number>((n, a) => n + measure(a).size, 0), e.loc);
  // Functions see plain values; the result is marked with every mark of every argument.
  const names = new Set<string>();
  const memo = new Map<object, Value>();
  const plain = args.map((a) => unmarkDeep(a, names, memo));
  const marked = (v: Value) => mark(v, names, () => ({ fn: e.name, args: args.map(recipeOf) }));
  if (!def.acceptsUnknown) {
    for (const a of plain) {
      const u = findUnknown(a);
      if (u) return marked(u);
    }
  } else {
    // coalesce-like: an unknown before the first usable value makes the result unknown.
    for (const a of plain) {
      if (a instanceof Unknown) return marked(a);
      if (a !== null && a !== '') break;
    }
  }
  const raw = names.size > 0 ? quote(() => def.fn(plain, e.loc), `${e.name}()`, names) : def.fn(plain, e.loc);
  const result = typeof raw === 'string' && names.size === 0 ? nfc(raw) : raw;
  if (names.size > 0 && typeof result === 'string') f.scope.onDerived?.(result);
  return marked(built(result, e.loc, f));
}

/** Errors `try` and `can` do not catch: a mistake in the config itself, or the evaluation budget. */
const UNCATCHABLE: ReadonlySet<string> = new Set([
  'E_EVAL_LIMIT',
  'E_UNKNOWN_REFERENCE',
  'E_UNKNOWN_FUNCTION',
  'E_FUNCTION_ARITY',
]);

/**
 * Terraform's `try(a, b, ...)`: the first argument that evaluates without an error; `can(a)`:
 * whether `a` does. An unknown argument makes the answer unknown (it might still fail).
 */
function tryOrCan(e: Extract<Expr, { kind: 'call' }>, f: Frame): Value {
  if (e.args.length < 1 || (e.name === 'can' && e.args.length !== 1)) {
    const max = e.name === 'can' ? 1 : Infinity;
    throw new EvalError('E_FUNCTION_ARITY', arityMessage(e.name, 1, max, e.args.length), e.loc);
  }
  const failures: string[] = [];
  for (const arg of e.args) {
    let v: Value;
    try {
      v = ev(arg, f);
    } catch (err) {
      if (!(err instanceof EvalError) || UNCATCHABLE.has(err.code)) throw err;
      failures.push(`${err.message} (at ${err.loc.line}:${err.loc.column})`);
      continue;
    }
    const names = new Set<string>();
    const u = findUnknown(unmarkDeep(v, names));
    if (u) return u;
    // Whether a secret parses is one bit about it: `can` of a sensitive value is sensitive.
    return e.name === 'can' ? mark(true, names, () => ({ v: true })) : v;
  }
  if (e.name === 'can') return false;
  throw new EvalError('E_FUNCTION_ARGUMENT', `try: no expression succeeded: ${failures.join('; ')}`, e.loc);
}

export function arityMessage(name: string, min: number, max: number, got: number): string {
  const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  return `${name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${got}`;
}

/**
 * Runs an operation on values computed from a secret: its error must not quote them
 * (`lookup: no key "<the secret, base64>"`), so the message names only what failed.
 */
function quote<T>(run: () => T, what: string, names: ReadonlySet<string>): T {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof EvalError) || err.code === 'E_EVAL_LIMIT') throw err;
    throw new EvalError(
      err.code,
      `${what} failed on a value computed from ${marker([...names].join('+'))}`,
      err.loc,
    );
  }
}

/** Evaluates for a recipe only: a branch not taken may fail, and then is not needed to replay. */
function quietly(e: Expr, f: Frame): Value {
  try {
    return ev(e, f);
  } catch (err) {
    if (err instanceof EvalError && err.code !== 'E_EVAL_LIMIT') return null;
    throw err;
  }
}

function conditional(e: Extract<Expr, { kind: 'conditional' }>, f: Frame): Value {
  const raw = ev(e.cond, f);
  const { value: c, names } = unmark(raw);
  if (c instanceof Unknown) return mark(c, names, () => recipeOf(raw));
  const yes = toBoolValue(c, e.cond.loc, 'condition');
  const taken = ev(yes ? e.then : e.else, f);
  // The branch not taken still gives the result its type (cty unifies both); its errors do not
  // count, as in HCL, so `x == null ? "none" : x.name` works.
  const other = quietly(yes ? e.else : e.then, f);
  const [t, el] = yes ? [taken, other] : [other, taken];
  const [ut, uel] = unify([t, el], ['the true result', 'the false result'], e.loc);
  const result = yes ? ut! : uel!;
  if (names.size === 0) return result;
  // Which branch ran depends on a secret: the recipe holds both, so it does not tell.
  return mark(result, names, () => ({
    op: 'conditional',
    args: [recipeOf(raw), recipeOf(t), recipeOf(el)],
  }));
}

function binary(e: Extract<Expr, { kind: 'binary' }>, f: Frame): Value {
  const op = e.op;
  const locs = { left: e.left.loc, right: e.right.loc };
  const rawL = ev(e.left, f);
  const names = new Set<string>();
  const l = unmarkDeep(rawL, names);
  if (op === 'logicalAnd' || op === 'logicalOr') {
    if (l instanceof Unknown) return mark(l, names, () => recipeOf(rawL));
    const lb = toBoolValue(l, e.left.loc, `left operand of ${op === 'logicalAnd' ? '&&' : '||'}`);
    if ((op === 'logicalAnd' && !lb) || (op === 'logicalOr' && lb)) {
      return mark(lb, names, () => ({ op, args: [recipeOf(rawL), recipeOf(quietly(e.right, f))] }));
    }
  }
  const rawR = ev(e.right, f);
  const r = unmarkDeep(rawR, names);
  // Comparing is as costly as the smaller side.
  if (op === 'equal' || op === 'notEqual') f.budget.work(Math.min(measure(l).size, measure(r).size), e.loc);
  const u = findUnknown(l) ?? findUnknown(r);
  if (u) return mark(u, names, () => recipeOf(u));
  if (names.size === 0 && ARITHMETIC.has(op) && typeof l === 'number' && typeof r === 'number') {
    return exactChain(e, l, r);
  }
  return mark(applyBinary(op, l, r, e.loc, locs), names, () => ({
    op,
    args: [recipeOf(rawL), recipeOf(rawR)],
  }));
}

/**
 * The exact result of each arithmetic node, kept for its parent: `1 / 3 * 3` is computed on the
 * exact third, as cty computes on its 512-bit value, so it is 1 and not 0.9999999999999999. The
 * value between two nodes is still a float64; the parent takes the exact one only when it is the
 * very number the child returned. Only plain numbers: a sensitive one is replayed from a recipe,
 * which must compute exactly what the evaluator did.
 */
const exact = new WeakMap<Expr, { n: number; d: Dec }>();

function exactOf(e: Expr, n: number): Dec {
  const hit = exact.get(e);
  return hit && hit.n === n ? hit.d : dec(n);
}

function exactChain(e: Extract<Expr, { kind: 'binary' }>, l: number, r: number): number {
  const op = e.op as ArithOp;
  const simple = exact.has(e.left) || exact.has(e.right) ? undefined : exactInteger(op, l, r);
  if (simple !== undefined) {
    exact.delete(e); // an exact value left from an earlier evaluation of this node is not this one
    return simple;
  }
  const d = exactArithmetic(op, exactOf(e.left, l), exactOf(e.right, r), e.loc);
  const n = toDouble(d, e.loc);
  exact.set(e, { n, d });
  return n;
}

function forExpr(e: Extract<Expr, { kind: 'for' }>, f: Frame): Value {
  const raw = ev(e.collection, f);
  const { value: coll, names } = unmark(raw);
  if (coll instanceof Unknown) return mark(coll, names, () => recipeOf(raw));
  let pairs: Array<[Value, Value]>;
  if (Array.isArray(coll)) {
    pairs = coll.map((v, i) => [i, mark(v, names, () => ({ get: recipeOf(raw), key: { v: i } }))]);
  } else if (isObject(coll)) {
    // Keys of a sensitive map are sensitive: their recipe reads them from the map, not the log.
    pairs = Object.keys(coll)
      .sort()
      .map((k, i) => [
        mark(k, names, () => ({ fn: 'element', args: [{ fn: 'keys', args: [recipeOf(raw)] }, { v: i }] })),
        mark(coll[k]!, names, () => ({ get: recipeOf(raw), key: { v: k } })),
      ]);
  } else if (coll === null) throw new EvalError('E_EVAL_NULL', 'cannot iterate over null', e.collection.loc);
  else throw new EvalError('E_EVAL_TYPE', `cannot iterate over a ${typeName(coll)}`, e.collection.loc);

  const tuple: Value[] = [];
  const object: { [key: string]: Value } = {};
  const keys: Value[] = [];
  const keyStrings: string[] = [];
  const parts: Value[] = [];
  let text = '';
  for (const [k, v] of pairs) {
    f.budget.work(1, e.loc);
    const locals = new Map(f.locals);
    if (e.keyVar) locals.set(e.keyVar, k);
    locals.set(e.valueVar, v);
    const inner: Frame = { ...f, locals };
    if (e.cond) {
      const rawC = ev(e.cond, inner);
      const { value: c, names: n } = unmark(rawC);
      if (c instanceof Unknown) return mark(c, n, () => recipeOf(rawC));
      for (const x of n) names.add(x);
      if (!toBoolValue(c, e.cond.loc, 'for condition')) continue;
    }
    const value = ev(e.value, inner);
    if (e.result === 'tuple') tuple.push(value);
    else if (e.result === 'template') {
      const { value: s, names: n } = unmark(value);
      for (const x of n) names.add(x);
      parts.push(value);
      if (s !== null) text += toStringValue(s, e.value.loc);
      if (text.length > MAX_STRING) throw new EvalError('E_EVAL_LIMIT', 'string too long', e.loc);
    } else {
      const rawKey = e.key ? ev(e.key, inner) : k;
      const { value: keyVal, names: n } = unmark(rawKey);
      if (keyVal instanceof Unknown) return keyVal;
      for (const x of n) names.add(x);
      const key = toStringValue(keyVal, e.key?.loc ?? e.loc, 'for key');
      if (e.grouped) {
        const prev = object[key];
        if (!Array.isArray(prev)) {
          keys.push(rawKey);
          keyStrings.push(key);
        }
        object[key] = Array.isArray(prev) ? [...prev, value] : [value];
      } else {
        if (Object.hasOwn(object, key)) {
          throw new EvalError(
            'E_EVAL_DUPLICATE_KEY',
            `duplicate key "${key}" in for expression (use ...)`,
            e.loc,
          );
        }
        keys.push(rawKey);
        keyStrings.push(key);
        object[key] = value;
      }
    }
  }
  if (e.result === 'tuple') {
    built(tuple, e.loc, f);
    return mark(tuple, names, () => recipeOf(tuple));
  }
  if (e.result === 'template') {
    built(text, e.loc, f);
    return mark(text, names, () => ({ tpl: parts.map(recipeOf) }));
  }
  built(object, e.loc, f);
  const vals = keyStrings.map((k) => object[k]!);
  return mark(object, names, () => ({
    fn: 'zipmap',
    args: [{ list: keys.map(recipeOf) }, { list: vals.map(recipeOf) }],
  }));
}
