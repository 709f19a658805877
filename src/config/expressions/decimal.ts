/**
 * The decimal arithmetic behind numbers (decimal.js at 155 significant digits, about cty's 512-bit
 * big.Float) and cty's text for a number. No errors here: numbers.ts adds the checks.
 */
import { Decimal } from 'decimal.js';

export const D = Decimal.clone({
  precision: 155,
  rounding: Decimal.ROUND_HALF_EVEN,
  // cty truncates the quotient of `%`: the remainder has the sign of the dividend.
  modulo: Decimal.ROUND_DOWN,
});
export type Dec = InstanceType<typeof D>;

/** HCL's number literal (and what `tonumber` accepts from a string): decimal, optional exponent. */
const NUMBER_TEXT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

export function isNumberText(s: string): boolean {
  return NUMBER_TEXT.test(s);
}

/** cty's text for a number: plain decimal digits, never exponent notation (`1e21` is 1000...0). */
export function formatNumber(n: number): string {
  return new D(n).toFixed();
}
