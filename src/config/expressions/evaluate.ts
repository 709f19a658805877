/**
 * Evaluates an `Expr` against a scope. Pure and bounded: errors are `EvalError`s with a stable code
 * and the location of the offending sub-expression. `Unknown` values (plan time) propagate.
 */
import type { SourceLocation } from '../../util/errors.js';
import type { Expr, TraversalStep } from './ast.js';
import { FUNCTIONS } from './functions.js';
import {
  EvalError,
  MAX_STRING,
  Unknown,
  deepEqual,
  findUnknown,
  isObject,
  toBoolValue,
  toNumberValue,
  toStringValue,
  typeName,
} from './values.js';
import type { Value } from './values.js';

export interface EvalScope {
  /** Top-level names: `var`, `const`, `orbit`, `previous`, `step`. */
  roots: Record<string, Value>;
  /** Roots whose missing attributes and null parents read as null (e.g. `previous`). */
  nullSafeRoots?: ReadonlySet<string>;
}

/** Deepest nesting accepted; keeps pathological input from overflowing the stack. */
const MAX_DEPTH = 200;

interface Frame {
  scope: EvalScope;
  locals: Map<string, Value>;
  splatItem?: Value;
  depth: number;
}

export function evaluate(expr: Expr, scope: EvalScope): Value {
  return ev(expr, { scope, locals: new Map(), depth: 0 });
}

function ev(e: Expr, f: Frame): Value {
  if (f.depth > MAX_DEPTH) throw new EvalError('E_EVAL_LIMIT', 'expression nested too deeply', e.loc);
  const d: Frame = { ...f, depth: f.depth + 1 };
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'template':
      return template(e.parts, d);
    case 'tuple':
      return e.items.map((x) => ev(x, d));
    case 'object': {
      const out: { [key: string]: Value } = {};
      for (const item of e.items) {
        const k = ev(item.key, d);
        if (k instanceof Unknown) return k;
        out[toStringValue(k, item.key.loc, 'object key')] = ev(item.value, d);
      }
      return out;
    }
    case 'scope':
      return reference(e.root, e.path, e.loc, d);
    case 'relative':
      return traverse(ev(e.source, d), e.path, e.loc, { nullSafe: false, label: 'value' });
    case 'index': {
      const coll = ev(e.collection, d);
      const key = ev(e.key, d);
      if (key instanceof Unknown) return key;
      const k = typeof key === 'number' ? key : toStringValue(key, e.key.loc, 'index');
      return traverse(coll, [{ kind: 'index', key: k }], e.loc, { nullSafe: false, label: 'value' });
    }
    case 'call':
      return call(e, d);
    case 'conditional': {
      const c = ev(e.cond, d);
      if (c instanceof Unknown) return c;
      return toBoolValue(c, e.cond.loc, 'condition') ? ev(e.then, d) : ev(e.else, d);
    }
    case 'unary': {
      const v = ev(e.operand, d);
      if (v instanceof Unknown) return v;
      if (e.op === 'logicalNot') return !toBoolValue(v, e.operand.loc, 'operand of !');
      if (e.op === 'negate') return -toNumberValue(v, e.operand.loc, 'operand of -');
      throw new EvalError('E_EVAL_UNSUPPORTED', `unsupported operator ${e.op}`, e.loc);
    }
    case 'binary':
      return binary(e.op, e.left, e.right, e.loc, d);
    case 'for':
      return forExpr(e, d);
    case 'splat': {
      const src = ev(e.source, d);
      if (src instanceof Unknown) return src;
      const items = src === null ? [] : Array.isArray(src) ? src : [src];
      return items.map((item) => (e.each ? ev(e.each, { ...d, splatItem: item }) : item));
    }
    case 'splatItem':
      return d.splatItem ?? null;
  }
}

function template(parts: Expr[], f: Frame): Value {
  let out = '';
  for (const p of parts) {
    const v = ev(p, f);
    // null interpolates as "" so `${previous.var.version}` works on a first deployment.
    if (v === null) continue;
    if (typeof v === 'object' && !(v instanceof Unknown)) {
      throw new EvalError('E_EVAL_TYPE', `cannot interpolate a ${typeName(v)} into a string`, p.loc);
    }
    out += toStringValue(v, p.loc);
    if (out.length > MAX_STRING) throw new EvalError('E_EVAL_LIMIT', 'string too long', p.loc);
  }
  return out;
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

function traverse(
  start: Value,
  path: TraversalStep[],
  loc: SourceLocation,
  opts: { nullSafe: boolean; label: string },
): Value {
  let v = start;
  for (let i = 0; i < path.length; i++) {
    const step = path[i]!;
    if (v instanceof Unknown) {
      const name = step.kind === 'attr' ? step.name : String(step.key);
      v = new Unknown(v.description.includes(':') ? `${v.description}.${name}` : `${v.description}: ${name}`);
      continue;
    }
    const key = step.kind === 'attr' ? step.name : step.key;
    if (v === null) {
      if (opts.nullSafe) return null;
      throw new EvalError('E_EVAL_NULL', `${describe(opts.label, path, i)} is null`, loc);
    }
    if (Array.isArray(v)) {
      const n = typeof key === 'number' ? key : Number(key);
      if (!Number.isInteger(n) || n < 0 || n >= v.length) {
        throw new EvalError(
          'E_EVAL_INDEX',
          `${describe(opts.label, path, i)} has no element ${String(key)}`,
          loc,
        );
      }
      v = v[n]!;
      continue;
    }
    if (isObject(v)) {
      const k = String(key);
      if (!Object.hasOwn(v, k)) {
        if (opts.nullSafe) return null;
        const code = opts.label === 'step' && i >= 2 ? 'E_MISSING_OUTPUT' : 'E_EVAL_INDEX';
        throw new EvalError(code, `${describe(opts.label, path, i)} has no attribute "${k}"`, loc, {
          reference: describe(opts.label, path, i + 1),
        });
      }
      v = v[k]!;
      continue;
    }
    throw new EvalError(
      'E_EVAL_TYPE',
      `cannot access ${JSON.stringify(key)} of ${describe(opts.label, path, i)} (a ${typeName(v)})`,
      loc,
    );
  }
  return v;
}

function call(e: Extract<Expr, { kind: 'call' }>, f: Frame): Value {
  const def = Object.hasOwn(FUNCTIONS, e.name) ? FUNCTIONS[e.name] : undefined;
  if (!def)
    throw new EvalError('E_UNKNOWN_FUNCTION', `unknown function "${e.name}"`, e.loc, { name: e.name });
  let args = e.args.map((a) => ev(a, f));
  if (e.expandFinal && args.length > 0) {
    const last = args[args.length - 1]!;
    if (last instanceof Unknown) return last;
    if (!Array.isArray(last))
      throw new EvalError('E_EVAL_TYPE', 'the argument before ... must be a list', e.loc);
    args = [...args.slice(0, -1), ...last];
  }
  if (args.length < def.min || args.length > def.max) {
    throw new EvalError('E_FUNCTION_ARITY', arityMessage(e.name, def.min, def.max, args.length), e.loc);
  }
  if (!def.acceptsUnknown) {
    for (const a of args) {
      const u = findUnknown(a);
      if (u) return u;
    }
  } else {
    // coalesce-like: an unknown before the first usable value makes the result unknown.
    for (const a of args) {
      if (a instanceof Unknown) return a;
      if (a !== null && a !== '') break;
    }
  }
  return def.fn(args, e.loc);
}

export function arityMessage(name: string, min: number, max: number, got: number): string {
  const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  return `${name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${got}`;
}

function binary(op: string, le: Expr, re: Expr, loc: SourceLocation, f: Frame): Value {
  const l = ev(le, f);
  if (op === 'logicalAnd' || op === 'logicalOr') {
    if (l instanceof Unknown) return l;
    const lb = toBoolValue(l, le.loc, `left operand of ${op === 'logicalAnd' ? '&&' : '||'}`);
    if (op === 'logicalAnd' && !lb) return false;
    if (op === 'logicalOr' && lb) return true;
    const r = ev(re, f);
    if (r instanceof Unknown) return r;
    return toBoolValue(r, re.loc, `right operand of ${op === 'logicalAnd' ? '&&' : '||'}`);
  }
  const r = ev(re, f);
  const u = findUnknown(l) ?? findUnknown(r);
  if (u) return u;
  switch (op) {
    case 'equal':
      return deepEqual(l, r);
    case 'notEqual':
      return !deepEqual(l, r);
  }
  const a = toNumberValue(l, le.loc, 'left operand');
  const b = toNumberValue(r, re.loc, 'right operand');
  switch (op) {
    case 'add':
      return a + b;
    case 'subtract':
      return a - b;
    case 'multiply':
      return a * b;
    case 'divide':
      if (b === 0) throw new EvalError('E_EVAL_DIVIDE_BY_ZERO', 'division by zero', loc);
      return a / b;
    case 'modulo':
      if (b === 0) throw new EvalError('E_EVAL_DIVIDE_BY_ZERO', 'modulo by zero', loc);
      return a % b;
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

function forExpr(e: Extract<Expr, { kind: 'for' }>, f: Frame): Value {
  const coll = ev(e.collection, f);
  if (coll instanceof Unknown) return coll;
  let pairs: Array<[Value, Value]>;
  if (Array.isArray(coll)) pairs = coll.map((v, i) => [i, v]);
  else if (isObject(coll))
    pairs = Object.keys(coll)
      .sort()
      .map((k) => [k, coll[k]!]);
  else if (coll === null) throw new EvalError('E_EVAL_NULL', 'cannot iterate over null', e.collection.loc);
  else throw new EvalError('E_EVAL_TYPE', `cannot iterate over a ${typeName(coll)}`, e.collection.loc);

  const tuple: Value[] = [];
  const object: { [key: string]: Value } = {};
  let text = '';
  for (const [k, v] of pairs) {
    const locals = new Map(f.locals);
    if (e.keyVar) locals.set(e.keyVar, k);
    locals.set(e.valueVar, v);
    const inner: Frame = { ...f, locals };
    if (e.cond) {
      const c = ev(e.cond, inner);
      if (c instanceof Unknown) return c;
      if (!toBoolValue(c, e.cond.loc, 'for condition')) continue;
    }
    const value = ev(e.value, inner);
    if (e.result === 'tuple') tuple.push(value);
    else if (e.result === 'template') {
      if (value !== null) text += toStringValue(value, e.value.loc);
      if (text.length > MAX_STRING) throw new EvalError('E_EVAL_LIMIT', 'string too long', e.loc);
    } else {
      const keyVal = e.key ? ev(e.key, inner) : k;
      if (keyVal instanceof Unknown) return keyVal;
      const key = toStringValue(keyVal, e.key?.loc ?? e.loc, 'for key');
      if (e.grouped) {
        const prev = object[key];
        object[key] = Array.isArray(prev) ? [...prev, value] : [value];
      } else {
        if (Object.hasOwn(object, key)) {
          throw new EvalError(
            'E_EVAL_DUPLICATE_KEY',
            `duplicate key "${key}" in for expression (use ...)`,
            e.loc,
          );
        }
        object[key] = value;
      }
    }
  }
  return e.result === 'tuple' ? tuple : e.result === 'template' ? text : object;
}
