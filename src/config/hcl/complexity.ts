/**
 * Cheap limits checked on the source text before hcl2json sees it. hcl2json is recursive and
 * keeps every sub-expression's source text: 3000 nested brackets overflow its stack
 * ("Maximum call stack size exceeded" at 1:1), and a 4 KB `1+1+...+1` takes 20 s and 2 GB in
 * `getExpressionAst` (each of the 2000 nested operator nodes carries its own copy of the text).
 * A linear scan of brackets and operators refuses both at their position, with E_EVAL_LIMIT.
 */

/** Deepest nesting of brackets and `${ }` accepted in a file. */
export const MAX_NESTING = 64;
/** Most operators accepted in one attribute's expression. */
export const MAX_OPERATORS = 256;

export interface ComplexityProblem {
  /** String index in the text where the limit was passed. */
  index: number;
  message: string;
}

type Mode = { kind: 'code'; base: number } | { kind: 'string' } | { kind: 'heredoc'; marker: string };

const OPERATOR = /^(==|!=|<=|>=|&&|\|\||[+\-*/%<>!?])/;

/**
 * Scans `text.slice(start, end)`; returns the first limit passed, or null. Operators are counted
 * only for one expression (`countOperators`): a whole file may hold many.
 */
export function checkComplexity(
  text: string,
  start = 0,
  end = text.length,
  countOperators = true,
): ComplexityProblem | null {
  const modes: Mode[] = [{ kind: 'code', base: 0 }];
  let depth = 0;
  let operators = 0;
  let i = start;
  const open = (at: number): ComplexityProblem | null => {
    depth++;
    return depth > MAX_NESTING ? { index: at, message: `nested more than ${MAX_NESTING} deep` } : null;
  };
  while (i < end) {
    const mode = modes[modes.length - 1]!;
    const c = text[i]!;
    if (mode.kind === 'string') {
      if (c === '\\') i += 2;
      else if (c === '"') {
        modes.pop();
        i++;
      } else if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === '{') i += 3;
      else if ((c === '$' || c === '%') && text[i + 1] === '{') {
        const p = open(i);
        if (p) return p;
        modes.push({ kind: 'code', base: depth });
        i += 2;
      } else i++;
      continue;
    }
    if (mode.kind === 'heredoc') {
      const lineEnd = text.indexOf('\n', i) < 0 ? end : text.indexOf('\n', i);
      if (text.slice(i, lineEnd).trim() === mode.marker) {
        modes.pop();
        i = lineEnd;
        continue;
      }
      // Interpolations inside the line, then the next line.
      let j = i;
      let entered = false;
      while (j < lineEnd) {
        if ((text[j] === '$' || text[j] === '%') && text[j + 1] === text[j] && text[j + 2] === '{') j += 3;
        else if ((text[j] === '$' || text[j] === '%') && text[j + 1] === '{') {
          const p = open(j);
          if (p) return p;
          modes.push({ kind: 'code', base: depth });
          i = j + 2;
          entered = true;
          break;
        } else j++;
      }
      if (!entered) i = lineEnd + 1;
      continue;
    }
    // Code.
    if (c === '"') {
      modes.push({ kind: 'string' });
      i++;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? end : nl;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? end : close + 2;
    } else if (c === '<' && text[i + 1] === '<') {
      const m = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(text.slice(i, i + 300));
      if (m) {
        modes.push({ kind: 'heredoc', marker: m[1]! });
        i += m[0].length;
      } else i += 2;
    } else if (c === '(' || c === '[' || c === '{') {
      const p = open(i);
      if (p) return p;
      i++;
    } else if (c === ')' || c === ']' || c === '}') {
      if (c === '}' && modes.length > 1 && depth === mode.base) modes.pop();
      depth = Math.max(0, depth - 1);
      i++;
    } else if (c === '=' && text[i + 1] === '>') {
      i += 2;
    } else {
      const m = OPERATOR.exec(text.slice(i, i + 2));
      if (m && countOperators) {
        operators++;
        if (operators > MAX_OPERATORS) {
          return { index: i, message: `more than ${MAX_OPERATORS} operators in one expression` };
        }
        i += m[0].length;
      } else i += m ? m[0].length : 1;
    }
  }
  return null;
}
