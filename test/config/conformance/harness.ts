/**
 * Runs HCL expressions the way Orbit does (its parser entry point, then its evaluator) for the
 * conformance suites, whose cases come from HashiCorp's own test data (each names its source).
 */
import { parseHclFile } from '../../../src/config/hcl/parse.js';
import { evaluate } from '../../../src/config/expressions/evaluate.js';
import { EvalError, fromPlain, Sensitive, Unknown } from '../../../src/config/expressions/values.js';
import type { Value } from '../../../src/config/expressions/values.js';

export type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** A cty value as the case tables write it: JSON, with `{ "number": "text" }` for a number. */
export function expected(want: unknown): unknown {
  if (Array.isArray(want)) return want.map(expected);
  if (want !== null && typeof want === 'object') {
    const o = want as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.number === 'string') return Number(o.number);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, expected(v)]));
  }
  return typeof want === 'string' ? want.normalize('NFC') : want;
}

function plain(v: Value): unknown {
  if (v instanceof Sensitive) return plain(v.value);
  if (v instanceof Unknown) return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x as Value)]));
  }
  return v;
}

/** Parses `x = <expr>` and evaluates it with `roots` (plain data) as the top-level names. */
export async function run(expr: string, roots: Record<string, unknown> = {}): Promise<Outcome> {
  const { parsed, diagnostics } = await parseHclFile('case.hcl', `x = ${expr}\n`);
  const first = diagnostics[0];
  if (first) return { ok: false, code: first.code, message: first.message };
  const attr = parsed?.attributes.find((a) => a.name === 'x');
  if (!attr) return { ok: false, code: 'NO_ATTRIBUTE', message: 'no attribute x' };
  try {
    const scope = { roots: Object.fromEntries(Object.entries(roots).map(([k, v]) => [k, fromPlain(v)])) };
    return { ok: true, value: plain(evaluate(attr.expr, scope)) };
  } catch (err) {
    if (err instanceof EvalError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/** Evaluates every attribute of a file and the blocks as HCL's specsuite (hcldec) nests them. */
export async function runFile(
  file: string,
  text: string,
  roots: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { parsed, diagnostics } = await parseHclFile(file, text);
  if (!parsed || diagnostics.length > 0) throw new Error(JSON.stringify(diagnostics));
  const scope = { roots: Object.fromEntries(Object.entries(roots).map(([k, v]) => [k, fromPlain(v)])) };
  const attrs = (list: typeof parsed.attributes) =>
    Object.fromEntries(list.map((a) => [a.name, plain(evaluate(a.expr, scope))]));
  const out: Record<string, unknown> = attrs(parsed.attributes);
  for (const b of parsed.blocks) {
    const body = attrs(b.attributes);
    if (b.labels.length === 0) out[b.type] = body;
    else ((out[b.type] ??= {}) as Record<string, unknown>)[b.labels[0]!] = body;
  }
  return out;
}
