/**
 * Control characters shown instead of sent: text from a config (a pull request's, maybe) that is
 * printed must not drive the terminal (move the cursor, retitle the window, recolour).
 */

/** C0 and C1 controls (tab and newline excepted), and Unicode bidi/line separators. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/** Makes control characters visible as `\u{1b}`. */
export function visibleControls(s: string): string {
  return s.replace(CONTROLS, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
