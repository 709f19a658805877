/** Where an expression's source sits, shared by the converter and the literal decoder. */
import type { LineMap } from '../hcl/positions.js';

export interface Ctx {
  text: string;
  toIndex: (byte: number) => number;
  base: number;
  lines: LineMap;
}

/** The source between two byte offsets of the expression (hcl2json counts bytes, not characters). */
export function sliceBytes(ctx: Ctx, from: number, to: number): string {
  return ctx.text.slice(ctx.toIndex(from), ctx.toIndex(to));
}
