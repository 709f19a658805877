/**
 * How long `windowState` takes to say whether a schedule is open and when it opens next: an
 * office-hours window, a date-range freeze (skipped in one jump), a cron freeze (stepped through
 * minute by minute) and the worst case, a window that never opens (the search gives up after its
 * candidate limit). The daemon's timer asks only `isOpen`, timed too.
 */
import type { ScheduleSpec } from '../src/config/types.js';
import { isOpen, windowState } from '../src/engine/schedule/window.js';
import { round } from './stats.js';

const base: Omit<ScheduleSpec, 'allow' | 'deny'> = {
  timezone: 'Europe/Berlin',
  file: 'orbit.hcl',
  location: { file: 'orbit.hcl', line: 1, column: 1 },
};
const cases: Record<string, ScheduleSpec> = {
  'office-hours': { ...base, allow: ['* 9-16 * * 1-5'], deny: [] },
  'date-freeze': {
    ...base,
    allow: ['* 9-16 * * 1-5'],
    deny: [{ kind: 'range', from: '2026-12-20T00:00', to: '2027-01-05T00:00' }],
  },
  'cron-freeze-week': { ...base, allow: [], deny: [{ kind: 'cron', cron: '* * 1-7 12 *' }] },
  'never-opens': { ...base, allow: [], deny: [{ kind: 'cron', cron: '* * * * *' }] },
};
// Tuesday 2026-12-01 06:00 in Berlin: before office hours, inside the first-week cron freeze;
// the date freeze is checked from inside it.
const now = new Date('2026-12-01T05:00:00Z');
const nowFor = (name: string): Date => (name === 'date-freeze' ? new Date('2026-12-22T05:00:00Z') : now);

function time(fn: () => unknown, runs: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / runs;
}

export function scheduleWindow(): Record<
  string,
  { window_ms: number; is_open_ms: number; opens_at: string | null }
> {
  const out: Record<string, { window_ms: number; is_open_ms: number; opens_at: string | null }> = {};
  for (const [name, s] of Object.entries(cases)) {
    const runs = name === 'never-opens' || name.startsWith('cron') ? 3 : 200;
    const at = nowFor(name);
    windowState(s, at); // compile the cron objects once, as the engine does
    out[name] = {
      window_ms: round(
        time(() => windowState(s, at), runs),
        3,
      ),
      is_open_ms: round(
        time(() => isOpen(s, at), 1000),
        4,
      ),
      opens_at: windowState(s, at).opensAt?.toISOString() ?? null,
    };
  }
  return out;
}
