/**
 * Strings as cty sees them: NFC-normalised when created, and measured in grapheme clusters (what a
 * reader counts as one character: `"e\u0301"` and `"👨‍👩‍👧"` are one each), via Intl.Segmenter.
 */
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

export function nfc(s: string): string {
  // ASCII is already NFC: skip the normalisation cost for the common case.
  if (/^\p{ASCII}*$/u.test(s)) return s;
  // A lone surrogate (`"\uD800"`) is not text: cty's strings are valid UTF-8, so it becomes U+FFFD.
  const wellFormed = s.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
  return wellFormed.normalize('NFC');
}

/** The grapheme clusters of a string, in order. */
export function graphemes(s: string): string[] {
  if (/^\p{ASCII}*$/u.test(s) && !s.includes('\r\n')) return s.split('');
  return Array.from(segmenter.segment(s), (x) => x.segment);
}

export function graphemeLength(s: string): number {
  return graphemes(s).length;
}

/** Go's unicode.IsSpace (what hclsyntax's strip markers and cty's trimspace remove). */
export const SPACE =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
export const LEADING = new RegExp(`^[${SPACE}]+`);
export const TRAILING = new RegExp(`[${SPACE}]+$`);
