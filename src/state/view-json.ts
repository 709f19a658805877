/**
 * A view's file content: `JSON.stringify(view, null, 2)` and a newline, byte for byte, made
 * faster for deployment records. A record is rewritten by every entry of its deployment, and all
 * but one of its steps are the objects the record before it had (the projection copies a step
 * only to change it, see projection.ts): each step's text is made once and kept with the object,
 * so a record of N steps costs one step's serialisation, not N, per entry. The steps kept are
 * frozen: a change made in place, which would make the kept text wrong, throws instead.
 */
import { deepFreeze } from '../util/deep-freeze.js';

const stepTexts = new WeakMap<object, string>();

/** The top-level `steps` key: no string value can hold a raw newline, no nested key has this indent. */
const STEPS_LINE = '\n  "steps": 0';

export function viewJson(view: object): string {
  const steps = (view as { steps?: unknown }).steps;
  if (!Array.isArray(steps) || steps.length === 0 || !steps.every(isObject))
    return `${JSON.stringify(view, null, 2)}\n`;
  const text = JSON.stringify({ ...view, steps: 0 }, null, 2);
  const at = text.indexOf(STEPS_LINE);
  if (at < 0) return `${JSON.stringify(view, null, 2)}\n`;
  const list = `[\n    ${steps.map(stepText).join(',\n    ')}\n  ]`;
  return `${text.slice(0, at)}\n  "steps": ${list}${text.slice(at + STEPS_LINE.length)}\n`;
}

function isObject(x: unknown): x is object {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A step as it stands in a record's list: indented two levels deeper. */
function stepText(step: object): string {
  let text = stepTexts.get(step);
  if (text === undefined) {
    text = JSON.stringify(step, null, 2).replace(/\n/g, '\n    ');
    stepTexts.set(deepFreeze(step), text);
  }
  return text;
}
