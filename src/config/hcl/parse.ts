/**
 * Parses one HCL file into blocks and attributes whose values are `Expr` trees with locations.
 * hcl2json's `parse` is the syntax authority; the scanner finds spans; `getExpressionAst` builds
 * each expression tree. Problems come back as diagnostics, never as exceptions.
 */
import { hcl2json } from './hcl2json.js';
import type { Diagnostic, SourceLocation } from '../../util/errors.js';
import type { Expr } from '../expressions/ast.js';
import { ConvertError, convertExpressions } from '../expressions/convert.js';
import { plainLiteral } from '../expressions/plain-literal.js';
import { checkComplexity } from './complexity.js';
import { LineMap } from './positions.js';
import { ScanError, scanBody } from './scan.js';
import type { ScannedItem } from './scan.js';
import { syntaxDiagnostics } from './syntax-errors.js';

export interface ParsedAttribute {
  name: string;
  expr: Expr;
  /** Where the attribute name starts. */
  location: SourceLocation;
}

export interface ParsedBlock {
  type: string;
  labels: string[];
  location: SourceLocation;
  attributes: ParsedAttribute[];
  blocks: ParsedBlock[];
}

export interface ParsedFile {
  file: string;
  attributes: ParsedAttribute[];
  blocks: ParsedBlock[];
}

export interface ParseResult {
  parsed: ParsedFile | null;
  diagnostics: Diagnostic[];
}

export interface ParseOptions {
  /** Plain literals' trees built in-process (plain-literal.ts); off only to compare with the parser's. */
  plainLiterals?: boolean;
}

export async function parseHclFile(
  file: string,
  source: string,
  options: ParseOptions = {},
): Promise<ParseResult> {
  // Editors on Windows write a UTF-8 byte order mark; it is not HCL, so it is not part of the text.
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const tooDeep = checkComplexity(text, 0, text.length, false);
  if (tooDeep) {
    const at = new LineMap(file, text).at(tooDeep.index);
    return { parsed: null, diagnostics: [{ ...at, code: 'E_EVAL_LIMIT', message: tooDeep.message }] };
  }
  try {
    await (await hcl2json()).parse(file, text);
  } catch (err) {
    return {
      parsed: null,
      diagnostics: syntaxDiagnostics(file, err instanceof Error ? err.message : String(err)),
    };
  }
  const lines = new LineMap(file, text);
  let items: ScannedItem[];
  try {
    items = scanBody(text);
  } catch (err) {
    const at = err instanceof ScanError ? lines.at(err.index) : lines.at(0);
    return {
      parsed: null,
      diagnostics: [{ ...at, code: 'E_HCL_SYNTAX', message: 'could not follow the structure of this file' }],
    };
  }
  const diagnostics: Diagnostic[] = [];
  // Every value is parsed first: a plain literal here, the rest in one call into the parser where
  // it can be (convertExpressions).
  const converted = new Map<ScannedItem, Expr | ConvertError>();
  const rest: ScannedAttribute[] = [];
  for (const a of simpleAttributes(items, lines.text)) {
    const plain = options.plainLiterals === false ? null : plainLiteral(lines, a.exprStart, a.exprEnd);
    if (plain) converted.set(a, plain);
    else rest.push(a);
  }
  const exprs = await convertExpressions(
    lines,
    rest.map((a) => ({ start: a.exprStart, end: a.exprEnd })),
  );
  rest.forEach((a, i) => converted.set(a, exprs[i]!));
  const body = convertBody(items, lines, diagnostics, converted);
  return { parsed: { file, ...body }, diagnostics };
}

type ScannedAttribute = Extract<ScannedItem, { kind: 'attribute' }>;

/** The attributes, in file order, whose values are simple enough to parse (see checkComplexity). */
function simpleAttributes(
  items: ScannedItem[],
  text: string,
  out: ScannedAttribute[] = [],
): ScannedAttribute[] {
  for (const item of items) {
    if (item.kind !== 'attribute') simpleAttributes(item.items, text, out);
    else if (!checkComplexity(text, item.exprStart, item.exprEnd)) out.push(item);
  }
  return out;
}

function convertBody(
  items: ScannedItem[],
  lines: LineMap,
  diagnostics: Diagnostic[],
  converted: Map<ScannedItem, Expr | ConvertError>,
): { attributes: ParsedAttribute[]; blocks: ParsedBlock[] } {
  const attributes: ParsedAttribute[] = [];
  const blocks: ParsedBlock[] = [];
  for (const item of items) {
    if (item.kind === 'attribute') {
      const expr = converted.get(item);
      if (!expr) {
        const heavy = checkComplexity(lines.text, item.exprStart, item.exprEnd)!;
        diagnostics.push({ ...lines.at(heavy.index), code: 'E_EVAL_LIMIT', message: heavy.message });
      } else if (expr instanceof ConvertError) {
        diagnostics.push({ ...expr.loc, code: 'E_HCL_SYNTAX', message: expr.message });
      } else attributes.push({ name: item.name, expr, location: lines.at(item.start) });
    } else {
      const inner = convertBody(item.items, lines, diagnostics, converted);
      blocks.push({ type: item.type, labels: item.labels, location: lines.at(item.start), ...inner });
    }
  }
  return { attributes, blocks };
}
