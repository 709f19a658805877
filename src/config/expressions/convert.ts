/**
 * Turns the tree returned by hcl2json's `getExpressionAst` into Orbit's `Expr`, with absolute
 * locations. Quirks of @cdktn/hcl2json 0.24 handled here (found empirically; the same as the
 * frozen @cdktf/hcl2json 0.21 it forks, and pinned down by test/config/conformance/):
 * - string literal nodes carry their raw source: escapes, `$${` / `%%{` and `~` strip markers are
 *   not applied, so we decode them; a `<<-` heredoc literal has only its first line's indentation
 *   removed (literal-text.ts removes the rest);
 * - `line`/`column` in ranges are inconsistent (0-based on the first line), so only `byte` is used;
 * - parentheses, object keys and the splat symbol are nodes of type "".
 */
import { hcl2json } from '../hcl/hcl2json.js';
import type { ExpressionType, TerraformTraversalPart } from '@cdktn/hcl2json/build/syntax-tree.js';
import type { SourceLocation } from '../../util/errors.js';
import type { LineMap } from '../hcl/positions.js';
import { byteToIndexMap } from '../hcl/positions.js';
import type { Expr, TraversalStep } from './ast.js';
import { sliceBytes, type Ctx } from './convert-context.js';
import { decodeLiteral, flushIndent, type Mode } from './literal-text.js';
import { parseNumber } from './numbers.js';
import { EvalError } from './values.js';

export class ConvertError extends Error {
  constructor(
    message: string,
    readonly loc: SourceLocation,
  ) {
    super(message);
  }
}

/** Parses and converts the expression whose source is `lines.text.slice(start, end)`. */
export async function convertExpression(lines: LineMap, start: number, end: number): Promise<Expr> {
  const text = lines.text.slice(start, end);
  let ast: ExpressionType | null;
  try {
    // A trailing newline lets a heredoc's closing marker end the input.
    ast = await (await hcl2json()).getExpressionAst(lines.file, text + '\n');
  } catch (err) {
    throw new ConvertError(`invalid expression: ${firstLine(err)}`, lines.at(start));
  }
  if (!ast) throw new ConvertError('empty expression', lines.at(start));
  const ctx: Ctx = { text, toIndex: byteToIndexMap(text), base: start, lines };
  return convert(ast, ctx, { kind: 'quoted' });
}

/** Where one expression's source is: `lines.text.slice(start, end)`. */
export interface ExpressionSpan {
  start: number;
  end: number;
}

/**
 * Parses and converts the expressions of one file, each as `convertExpression` would (an Expr, or
 * the ConvertError it would throw), in one call into the parser when they all parse: each call
 * into its WebAssembly costs about 0.3 ms, and a 50-step file has some 200 expressions.
 */
export async function convertExpressions(
  lines: LineMap,
  spans: readonly ExpressionSpan[],
): Promise<Array<Expr | ConvertError>> {
  const together = spans.length > 1 ? await convertAsTuple(lines, spans) : null;
  if (together) return together;
  const out: Array<Expr | ConvertError> = [];
  for (const { start, end } of spans) {
    out.push(await convertExpression(lines, start, end).catch(convertErrorOnly));
  }
  return out;
}

function convertErrorOnly(err: unknown): ConvertError {
  if (err instanceof ConvertError) return err;
  throw err;
}

/**
 * The expressions as the items of one tuple, `[0` then each on its own lines (a `for` first would
 * start a for expression; the newlines end heredocs and comments). Null, for the caller to parse
 * them one by one, when that does not parse or any item's tree is not from its own source: each
 * was one attribute's whole value in a file hcl2json accepted, so that is not expected.
 */
export async function convertAsTuple(
  lines: LineMap,
  spans: readonly ExpressionSpan[],
): Promise<Array<Expr | ConvertError> | null> {
  let text = '[0\n,\n';
  const offsets: number[] = [];
  for (const { start, end } of spans) {
    offsets.push(text.length);
    text += lines.text.slice(start, end) + '\n,\n';
  }
  text += ']\n';
  let tuple: ExpressionType | null;
  try {
    tuple = await (await hcl2json()).getExpressionAst(lines.file, text);
  } catch {
    return null;
  }
  const items = tuple?.type === 'tuple' ? (tuple.children ?? []).slice(1) : [];
  if (items.length !== spans.length) return null;
  const toIndex = byteToIndexMap(text);
  const inside = (node: ExpressionType, i: number): boolean => {
    const from = offsets[i]!;
    const to = from + spans[i]!.end - spans[i]!.start;
    const [a, b] = [toIndex(node.range.start.byte), toIndex(node.range.end.byte)];
    return from <= a && a <= b && b <= to;
  };
  if (!items.every(inside)) return null;
  return items.map((node, i) => {
    const ctx: Ctx = { text, toIndex, base: spans[i]!.start - offsets[i]!, lines };
    try {
      return convert(node, ctx, { kind: 'quoted' });
    } catch (err) {
      return convertErrorOnly(err);
    }
  });
}

/** A number literal; one that does not fit is kept, to fail where it is evaluated (not parsed). */
function numberLiteral(text: string, loc: SourceLocation): Expr {
  try {
    return { kind: 'literal', value: parseNumber(text, loc), loc };
  } catch (err) {
    if (!(err instanceof EvalError)) throw err;
    return { kind: 'literal', value: null, loc, numberError: err.message };
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const m = /: ([^:]+; .*)$/m.exec(msg);
  return (m?.[1] ?? msg).split('\n')[0] ?? msg;
}

function locOf(ctx: Ctx, byte: number): SourceLocation {
  return ctx.lines.at(ctx.base + ctx.toIndex(byte));
}

function convert(node: ExpressionType, ctx: Ctx, mode: Mode): Expr {
  const loc = locOf(ctx, node.range.start.byte);
  const kids = node.children ?? [];
  const child = (i: number, m: Mode = mode): Expr => {
    const k = kids[i];
    if (!k) throw new ConvertError(`malformed ${node.type} expression`, loc);
    return convert(k, ctx, m);
  };
  // `templateJoin` (a %{for} directive) is missing from hcl2json's type union.
  if ((node.type as string) === 'templateJoin') return child(0);
  switch (node.type) {
    case 'literalValue': {
      const t = node.meta.type;
      if (t === 'number') return numberLiteral(node.meta.value, loc);
      if (t === 'bool') return { kind: 'literal', value: node.meta.value === 'true', loc };
      if (t === 'string') return { kind: 'literal', value: decodeLiteral(node, ctx, mode), loc };
      return { kind: 'literal', value: null, loc };
    }
    case 'template': {
      const raw = node.meta?.value ?? '';
      const m: Mode = raw.startsWith('<<')
        ? { kind: 'heredoc', indent: raw.startsWith('<<-') ? flushIndent(raw) : 0 }
        : raw.startsWith('"')
          ? { kind: 'quoted' }
          : mode;
      return { kind: 'template', parts: kids.map((k) => convert(k, ctx, m)), loc };
    }
    case 'templateWrap':
      return child(0, { kind: 'quoted' });
    case 'tuple':
      return { kind: 'tuple', items: kids.map((k) => convert(k, ctx, mode)), loc };
    case 'object': {
      const items: Array<{ key: Expr; value: Expr }> = [];
      for (let i = 0; i + 1 < kids.length; i += 2) {
        items.push({ key: convertKey(kids[i]!, ctx), value: child(i + 1) });
      }
      return { kind: 'object', items, loc };
    }
    case 'scopeTraversal': {
      const parts = node.meta.traversal;
      const first = parts[0];
      if (!first) throw new ConvertError('empty reference', loc);
      return {
        kind: 'scope',
        root: first.segment,
        path: parts.slice(1).map((p) => traversalStep(p, ctx)),
        loc: locOf(ctx, first.range.start.byte),
      };
    }
    case 'relativeTraversal':
      return {
        kind: 'relative',
        source: child(0),
        path: node.meta.traversal.map((p) => traversalStep(p, ctx)),
        loc,
      };
    case 'index':
      return { kind: 'index', collection: child(0), key: child(1), loc };
    case 'function':
      return {
        kind: 'call',
        name: node.meta.name,
        args: kids.map((k) => convert(k, ctx, mode)),
        expandFinal: Boolean(node.meta.expandedFinalArgument),
        loc: locOf(ctx, node.meta.nameRange?.start.byte ?? node.range.start.byte),
      };
    case 'conditional':
      return { kind: 'conditional', cond: child(0), then: child(1), else: child(2), loc };
    case 'unaryOp':
      return { kind: 'unary', op: node.meta.operator, operand: child(0), loc };
    case 'binaryOp':
      return { kind: 'binary', op: node.meta.operator, left: child(0), right: child(1), loc };
    case 'for':
      return convertFor(node, loc, child);
    case 'splat':
      return { kind: 'splat', source: child(0), each: kids[1] ? child(1) : null, loc };
    default: {
      // Type "": parentheses (one child) or the splat's anonymous symbol (no children).
      const t = (node as { type: string }).type;
      if (t === '') return kids.length === 1 ? child(0) : { kind: 'splatItem', loc };
      throw new ConvertError(`unsupported expression (${t})`, loc);
    }
  }
}

/** `[for ...]`, `{for ...}` and `%{for}`: its parts come as children in source order. */
function convertFor(
  node: Extract<ExpressionType, { type: 'for' }>,
  loc: SourceLocation,
  child: (i: number) => Expr,
): Expr {
  const meta = node.meta;
  const open = meta.openRangeValue ?? '[';
  const hasKey = Boolean(meta.keyExpression);
  const hasCond = Boolean(meta.conditionalExpression);
  let i = 0;
  const collection = child(i++);
  const key = hasKey ? child(i++) : null;
  const value = child(i++);
  const cond = hasCond ? child(i++) : null;
  return {
    kind: 'for',
    result: open.startsWith('%') ? 'template' : open === '{' ? 'object' : 'tuple',
    keyVar: meta.keyVar ? meta.keyVar : null,
    valueVar: meta.valVar,
    collection,
    key,
    value,
    cond,
    grouped: Boolean(meta.groupedValue),
    loc,
  };
}

function convertKey(node: ExpressionType, ctx: Ctx): Expr {
  const loc = locOf(ctx, node.range.start.byte);
  if ((node as { type: string }).type === '' && (node.children ?? []).length === 0) {
    // A bare identifier key: `{ name = 1 }` means the string "name".
    return { kind: 'literal', value: sliceBytes(ctx, node.range.start.byte, node.range.end.byte), loc };
  }
  if ((node as { type: string }).type === '' && node.children.length === 1) {
    const inner = node.children[0]!;
    // `(k)` forces evaluation; a quoted key is a template.
    return convert(inner, ctx, { kind: 'quoted' });
  }
  return convert(node, ctx, { kind: 'quoted' });
}

function traversalStep(p: TerraformTraversalPart, ctx: Ctx): TraversalStep {
  if (p.type === 'nameTraversal') return { kind: 'attr', name: p.segment };
  // hcl2json leaves out the segment of a bool or null key (`x[true]`, `x[null]`): read the source.
  const seg = (p.segment as string | undefined) ?? indexSource(p, ctx);
  if (seg === 'null') return { kind: 'index', key: null };
  if (seg === 'true' || seg === 'false') return { kind: 'index', key: seg };
  if (seg.startsWith('"')) {
    try {
      return { kind: 'index', key: JSON.parse(seg) as string };
    } catch {
      // An HCL escape JSON does not know: the key as written.
      return { kind: 'index', key: seg.slice(1, -1) };
    }
  }
  const n = Number(seg);
  return { kind: 'index', key: Number.isNaN(n) ? seg : n };
}

function indexSource(p: TerraformTraversalPart, ctx: Ctx): string {
  return sliceBytes(ctx, p.range.start.byte, p.range.end.byte)
    .replace(/^\s*\[\s*/, '')
    .replace(/\s*\]\s*$/, '');
}
