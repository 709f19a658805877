/**
 * The evaluation budget: hostile HCL (a pull request) must not exhaust time or memory. Every
 * evaluation draws on one budget, charged as it runs, and stops with `E_EVAL_LIMIT` at the
 * position of the expression that went over. Counting work instead of timing it makes the limit
 * deterministic: the same input always stops at the same place, on any machine.
 */
import type { SourceLocation } from '../../util/errors.js';
import { EvalError } from './values.js';

export interface EvalLimits {
  /** Expression nodes evaluated, `for` iterations, and elements handled by functions. */
  operations: number;
  /** Total size of every value built (characters of strings, elements of lists and maps). */
  valueSize: number;
  /** Size of what one render returns (every attribute of every step, as printed). */
  outputSize: number;
}

export const DEFAULT_EVAL_LIMITS: Readonly<EvalLimits> = Object.freeze({
  operations: 1_000_000,
  valueSize: 32_000_000,
  outputSize: 2_000_000,
});

export class EvalBudget {
  readonly limits: Readonly<EvalLimits>;
  operations = 0;
  valueSize = 0;
  outputSize = 0;

  constructor(limits: Partial<EvalLimits> = {}) {
    this.limits = { ...DEFAULT_EVAL_LIMITS, ...limits };
  }

  /** Charges `n` operations; throws when the budget is spent. */
  work(n: number, loc: SourceLocation): void {
    this.operations += n;
    if (this.operations > this.limits.operations) {
      throw limit(`evaluation took more than ${this.limits.operations} operations`, loc, 'operations', this);
    }
  }

  /** Charges the size of a value that was just built. */
  built(n: number, loc: SourceLocation): void {
    this.valueSize += n;
    if (this.valueSize > this.limits.valueSize) {
      throw limit(`values built exceed ${this.limits.valueSize} in total size`, loc, 'valueSize', this);
    }
  }

  /** Charges the size of a rendered attribute (what will be printed or recorded). */
  output(n: number, loc: SourceLocation): void {
    this.outputSize += n;
    if (this.outputSize > this.limits.outputSize) {
      throw limit(`rendered output exceeds ${this.limits.outputSize} in size`, loc, 'outputSize', this);
    }
  }
}

function limit(message: string, loc: SourceLocation, which: keyof EvalLimits, b: EvalBudget): EvalError {
  return new EvalError('E_EVAL_LIMIT', message, loc, { limit: which, value: b.limits[which] });
}
