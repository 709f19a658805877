/**
 * cty's `format` (go-cty function/stdlib/format.go): verbs %v %#v %t %b %d %o %x %X %e %E %f %g
 * %G %s %q and %%, flags `+ - # 0` and space, width, precision, `%[n]` argument indexes. Widths and
 * string precision count grapheme clusters. An unsupported verb, a missing argument, a null for
 * any verb but %v, and an argument no verb uses are errors (E_FUNCTION_ARGUMENT).
 */
import type { SourceLocation } from '../../util/errors.js';
import { dec, type Dec } from './decimal.js';
import { ctyJson } from './json.js';
import { toNumberValue } from './numbers.js';
import { graphemeLength, graphemes } from './text.js';
import { EvalError, toBoolValue, toStringValue, typeName } from './values.js';
import type { Value } from './values.js';

interface Verb {
  raw: string;
  offset: number;
  sharp: boolean;
  zero: boolean;
  minus: boolean;
  plus: boolean;
  space: boolean;
  width: number;
  prec: number;
  mode: string;
}

const VERB = /%([-+# 0]*)([1-9]\d*)?(?:\.(\d*))?(?:\[([1-9]\d*)\])?([A-Za-z])?/y;
/** Widths and precisions past this would only build huge strings: refused. */
const MAX_WIDTH = 10_000;

function fail(message: string, loc: SourceLocation): never {
  throw new EvalError('E_FUNCTION_ARGUMENT', `format: ${message}`, loc);
}

export function format(spec: string, args: Value[], loc: SourceLocation): string {
  let out = '';
  let next = 0;
  let highest = 0;
  let i = 0;
  while (i < spec.length) {
    const c = spec[i]!;
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    if (spec[i + 1] === '%') {
      out += '%';
      i += 2;
      continue;
    }
    VERB.lastIndex = i;
    const m = VERB.exec(spec)!;
    if (!m[5]) {
      if (i + m[0].length >= spec.length) fail(`invalid format string starting at offset ${i}`, loc);
      fail(
        `unrecognized format character ${JSON.stringify(spec[i + m[0].length])} at offset ${i + m[0].length}`,
        loc,
      );
    }
    const flags = m[1] ?? '';
    const verb: Verb = {
      raw: m[0],
      offset: i,
      sharp: flags.includes('#'),
      zero: flags.includes('0'),
      minus: flags.includes('-'),
      plus: flags.includes('+'),
      space: flags.includes(' '),
      width: m[2] ? Number(m[2]) : -1,
      prec: m[3] !== undefined ? Number(m[3] || '0') : -1,
      mode: m[5],
    };
    if (verb.width > MAX_WIDTH || verb.prec > MAX_WIDTH) fail(`width or precision over ${MAX_WIDTH}`, loc);
    const argNum = m[4] ? Number(m[4]) : next + 1;
    if (argNum > highest) highest = argNum;
    if (argNum > args.length) {
      fail(
        `not enough arguments for ${JSON.stringify(verb.raw)} at ${i}: need index ${argNum} but have ${args.length} total`,
        loc,
      );
    }
    out += formatOne(verb, args[argNum - 1]!, loc);
    next = argNum;
    i += m[0].length;
  }
  if (highest < args.length) {
    fail(
      highest === 0
        ? 'too many arguments; no verbs in format string'
        : `too many arguments; only ${highest} used by format string`,
      loc,
    );
  }
  return out;
}

function formatOne(verb: Verb, arg: Value, loc: SourceLocation): string {
  const at = `${JSON.stringify(verb.raw)} at ${verb.offset}`;
  if (verb.mode !== 'v' && arg === null)
    fail(`unsupported value for ${at}: null value cannot be formatted`, loc);
  const convert = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof EvalError && err.code === 'E_EVAL_TYPE') {
        fail(`unsupported value for ${at}: ${typeName(arg)} cannot be converted`, loc);
      }
      throw err;
    }
  };
  switch (verb.mode) {
    case 'v':
      if (!verb.sharp && typeof arg === 'string') return pad(verb, arg);
      if (!verb.sharp && typeof arg === 'number') return pad(verb, shortestG(dec(arg)));
      return pad(verb, ctyJson(arg));
    case 't':
      return convert(() => toBoolValue(arg, loc)) ? 'true' : 'false';
    case 'b':
    case 'd':
    case 'o':
    case 'x':
    case 'X': {
      const d = dec(convert(() => toNumberValue(arg, loc)));
      if (!d.isInteger()) fail(`unsupported value for ${at}: an integer is required`, loc);
      return integer(verb, d);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'g':
    case 'G':
      return float(verb, dec(convert(() => toNumberValue(arg, loc))));
    case 's':
    case 'q': {
      let s = convert(() => toStringValue(arg, loc));
      if (verb.prec > 0) s = graphemes(s).slice(0, verb.prec).join('');
      return pad(verb, verb.mode === 'q' ? JSON.stringify(s) : s);
    }
    default:
      return fail(`unsupported format verb ${JSON.stringify(verb.mode)} in ${at}`, loc);
  }
}

/** Pads to the width in grapheme clusters (cty's formatPadWidth): zeros with `0`, left with `-`. */
function pad(verb: Verb, s: string): string {
  const missing = verb.width - graphemeLength(s);
  if (missing <= 0) return s;
  const fill = (verb.zero ? '0' : ' ').repeat(missing);
  return verb.minus ? s + fill : fill + s;
}

/** Go's numeric padding: the sign first, zeros between sign and digits, spaces elsewhere. */
function padNumber(verb: Verb, negative: boolean, body: string, prefix = ''): string {
  const sign = negative ? '-' : verb.plus ? '+' : verb.space ? ' ' : '';
  const len = sign.length + prefix.length + body.length;
  const missing = Math.max(0, verb.width - len);
  if (verb.minus) return sign + prefix + body + ' '.repeat(missing);
  if (verb.zero) return sign + prefix + '0'.repeat(missing) + body;
  return ' '.repeat(missing) + sign + prefix + body;
}

function integer(verb: Verb, d: Dec): string {
  const n = BigInt(d.abs().toFixed());
  const radix = { b: 2, d: 10, o: 8, x: 16, X: 16 }[verb.mode as 'b' | 'd' | 'o' | 'x' | 'X'];
  let digits = n.toString(radix);
  if (verb.mode === 'X') digits = digits.toUpperCase();
  if (verb.prec >= 0) digits = verb.prec === 0 && n === 0n ? '' : digits.padStart(verb.prec, '0');
  let prefix = '';
  if (verb.sharp) prefix = { b: '0b', d: '', o: '0', x: '0x', X: '0X' }[verb.mode as 'b']!;
  if (verb.mode === 'o' && digits.startsWith('0')) prefix = '';
  const v: Verb = verb.prec >= 0 ? { ...verb, zero: false } : verb;
  return padNumber(v, d.isNegative() && n !== 0n, digits, prefix);
}

/** Go's exponent: a sign and at least two digits (`e+06`). */
function goExponent(s: string, upper: boolean): string {
  const out = s.replace(/e([+-])(\d)$/, 'e$10$2');
  return upper ? out.toUpperCase() : out;
}

function float(verb: Verb, d: Dec): string {
  const negative = d.isNegative() && !d.isZero();
  const a = d.abs();
  let body: string;
  switch (verb.mode) {
    case 'f':
      body = a.toFixed(verb.prec < 0 ? 6 : verb.prec);
      break;
    case 'e':
    case 'E':
      body = goExponent(a.toExponential(verb.prec < 0 ? 6 : verb.prec), verb.mode === 'E');
      break;
    default:
      body = verb.prec < 0 ? shortestG(a) : precisionG(a, verb.prec, verb.sharp);
      if (verb.mode === 'G') body = body.toUpperCase();
  }
  return padNumber(verb, negative, body);
}

/** big.Float's Text('g', -1): the shortest digits; exponent form below 1e-4 or from 1e6 (Go's rule). */
function shortestG(d: Dec): string {
  if (d.isZero()) return '0';
  const negative = d.isNegative();
  const a = d.abs();
  const digits = a.toExponential(); // shortest, as decimal.js keeps exactly the digits given
  const exp = a.e;
  // Go: %e when exp < -4 || exp >= eprec, and eprec is 6 for the shortest form.
  const body = exp < -4 || exp >= 6 ? goExponent(digits, false) : a.toFixed();
  return negative ? `-${body}` : body;
}

function precisionG(a: Dec, prec: number, sharp: boolean): string {
  const p = prec === 0 ? 1 : prec;
  const rounded = dec(a.toPrecision(p));
  const exp = rounded.e;
  let body: string;
  if (exp < -4 || exp >= p) body = goExponent(rounded.toExponential(p - 1), false);
  else body = rounded.toFixed(Math.max(0, p - 1 - exp));
  if (!sharp && body.includes('.')) body = body.replace(/\.?0+(?=e|$)/, '');
  return body;
}
