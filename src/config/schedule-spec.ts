/**
 * `schedule { timezone, allow, deny }` in orbit.hcl (every service) or in a deploy.hcl (that
 * service): when deployments may start. Read and checked here; the engine computes windows from
 * the plain data (src/engine/schedule/).
 */
import { Cron } from 'croner';
import { suggestion } from '../util/did-you-mean.js';
import type { Diagnostic, SourceLocation } from '../util/errors.js';
import { evaluateConstant } from './constant.js';
import type { ParsedBlock } from './hcl/parse.js';
import type { DenySpec, ScheduleSpec } from './types.js';

const ATTRIBUTES = ['timezone', 'allow', 'deny', 'unwind_approval'];

/** What is wrong with a time zone name, or null (the IANA names Node knows, e.g. `Europe/Berlin`). */
export function timezoneProblem(tz: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return null;
  } catch {
    return `unknown time zone ${JSON.stringify(tz)} (an IANA name such as "Europe/Berlin" or "UTC")`;
  }
}

/** What croner says is wrong with a cron expression, or null. */
export function cronProblem(expr: string, timezone: string): string | null {
  try {
    new Cron(expr, { timezone, paused: true });
    return null;
  } catch (err) {
    return `bad cron expression ${JSON.stringify(expr)}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** `2026-12-20..2027-01-04` (whole days, both included) or `2026-12-24T18:00..2026-12-27T08:00`. */
export function parseRange(text: string): { from: string; to: string } | null {
  const parts = text.split('..');
  if (parts.length !== 2) return null;
  const [a, b] = parts.map((p) => p.trim()) as [string, string];
  const from = DAY.test(a) ? `${a}T00:00` : MINUTE.test(a) ? a : null;
  const to = DAY.test(b) ? `${nextDay(b)}T00:00` : MINUTE.test(b) ? b : null;
  if (!from || !to || !validLocal(from) || !validLocal(to) || from >= to) return null;
  return { from, to };
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function validLocal(t: string): boolean {
  const d = new Date(`${t}:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 16) === t;
}

/** A `schedule` block, or null after pushing diagnostics for what is wrong with it. */
export function readSchedule(block: ParsedBlock, file: string, out: Diagnostic[]): ScheduleSpec | null {
  const before = out.length;
  if (block.labels.length > 0)
    out.push({ ...block.location, code: 'E_BLOCK_LABEL', message: 'schedule blocks take no label' });
  for (const nb of block.blocks)
    out.push({
      ...nb.location,
      code: 'E_UNKNOWN_BLOCK',
      message: `unexpected block "${nb.type}" in schedule`,
    });
  const spec: ScheduleSpec = {
    timezone: 'UTC',
    allow: [],
    deny: [],
    unwindApproval: false,
    file,
    location: block.location,
  };
  const at = new Map<string, SourceLocation>();
  const raw = new Map<string, unknown>();
  for (const a of block.attributes) {
    if (!ATTRIBUTES.includes(a.name)) {
      out.push({
        ...a.location,
        code: 'E_UNKNOWN_ATTRIBUTE',
        message: `unexpected attribute "${a.name}" in schedule${suggestion(a.name, ATTRIBUTES)}`,
      });
      continue;
    }
    at.set(a.name, a.location);
    raw.set(a.name, evaluateConstant(a.expr, `schedule.${a.name}`, out));
  }
  const tz = raw.get('timezone');
  if (tz !== undefined) {
    const problem = typeof tz === 'string' ? timezoneProblem(tz) : 'timezone must be a string';
    if (problem) out.push({ ...at.get('timezone')!, code: 'E_BAD_TIMEZONE', message: problem });
    else spec.timezone = tz as string;
  }
  const list = (name: string): string[] => {
    const v = raw.get(name);
    if (v === undefined) return [];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    out.push({
      ...at.get(name)!,
      code: 'E_BAD_SCHEDULE',
      message: `schedule.${name} must be a list of strings`,
    });
    return [];
  };
  for (const expr of list('allow')) {
    const problem = cronProblem(expr, spec.timezone);
    if (problem) out.push({ ...at.get('allow')!, code: 'E_BAD_CRON', message: `allow: ${problem}` });
    else spec.allow.push(expr);
  }
  const approval = raw.get('unwind_approval');
  if (approval !== undefined) {
    if (typeof approval === 'boolean') spec.unwindApproval = approval;
    else
      out.push({
        ...at.get('unwind_approval')!,
        code: 'E_BAD_SCHEDULE',
        message: 'schedule.unwind_approval must be true or false',
      });
  }
  for (const text of list('deny')) {
    const deny = readDeny(text, spec.timezone);
    if (typeof deny === 'string')
      out.push({ ...at.get('deny')!, code: 'E_BAD_CRON', message: `deny: ${deny}` });
    else spec.deny.push(deny);
  }
  return out.length > before ? null : spec;
}

/** A deny entry: a date range when it has `..`, else a cron expression; or what is wrong with it. */
function readDeny(text: string, timezone: string): DenySpec | string {
  if (text.includes('..')) {
    const range = parseRange(text);
    return range
      ? { kind: 'range', ...range }
      : `bad date range ${JSON.stringify(text)}: write YYYY-MM-DD..YYYY-MM-DD or YYYY-MM-DDTHH:MM..YYYY-MM-DDTHH:MM, start before end`;
  }
  return cronProblem(text, timezone) ?? { kind: 'cron', cron: text };
}
