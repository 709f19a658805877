/**
 * The decimal arithmetic behind numbers (decimal.js at 155 significant digits, about cty's 512-bit
 * big.Float) and cty's text for a number. decimal.js is loaded on first use: a config whose
 * numbers are all safe integers never pays for it. No errors here: numbers.ts adds the checks.
 */
import { createRequire } from 'node:module';
import type { Decimal } from 'decimal.js';

export type Dec = Decimal;

let ctor: typeof Decimal | undefined;

function decimalClass(): typeof Decimal {
  if (!ctor) {
    const { Decimal: base } = createRequire(import.meta.url)('decimal.js') as { Decimal: typeof Decimal };
    ctor = base.clone({
      precision: 155,
      rounding: base.ROUND_HALF_EVEN,
      // cty truncates the quotient of `%`: the remainder has the sign of the dividend.
      modulo: base.ROUND_DOWN,
    });
  }
  return ctor;
}

/** An exact decimal from a float64 (its shortest text, the number as it was written) or text. */
export function dec(x: number | string): Dec {
  return new (decimalClass())(x);
}

/** HCL's number literal (and what `tonumber` accepts from a string): decimal, optional exponent. */
const NUMBER_TEXT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

export function isNumberText(s: string): boolean {
  return NUMBER_TEXT.test(s);
}

/** cty's text for a number: plain decimal digits, never exponent notation (`1e21` is 1000...0). */
export function formatNumber(n: number): string {
  return Number.isSafeInteger(n) ? String(n === 0 ? 0 : n) : dec(n).toFixed();
}
