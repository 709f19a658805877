/**
 * When a deployment may start, from a `schedule { }` (plain data from the config): open when the
 * current minute matches an `allow` cron (any minute without `allow`) and no `deny` entry (a cron
 * window or a date range) covers it, in the schedule's time zone. Pure: the clock is an argument.
 */
import { Cron } from 'croner';
import type { DenySpec, ScheduleSpec } from '../../config/types.js';
import { zonedInstant } from './zoned-time.js';

export interface WindowState {
  open: boolean;
  /** When it opens next (null: open now, or not within a year). */
  opensAt: Date | null;
  /** Why it is closed (or `open`): what status and the `deploy-waiting` entry show. */
  reason: string;
}

const MINUTE = 60_000;
/** How far ahead `opensAt` is looked for: a window that never opens must not loop forever. */
const HORIZON_MS = 366 * 24 * 60 * MINUTE;
/** Candidate minutes tried: a cron freeze is stepped through minute by minute (six weeks of them). */
const MAX_CANDIDATES = 60_000;

/** Cron objects built once per schedule (a schedule is immutable data from one config commit). */
const compiled = new WeakMap<ScheduleSpec, { allow: Cron[]; deny: Array<Cron | Range> }>();

interface Range {
  from: number;
  to: number;
  text: string;
}

function compile(s: ScheduleSpec): { allow: Cron[]; deny: Array<Cron | Range> } {
  let c = compiled.get(s);
  if (!c) {
    const cron = (expr: string) => new Cron(expr, { timezone: s.timezone, paused: true });
    c = {
      allow: s.allow.map(cron),
      deny: s.deny.map((d: DenySpec) =>
        d.kind === 'cron'
          ? cron(d.cron)
          : {
              from: zonedInstant(d.from, s.timezone),
              to: zonedInstant(d.to, s.timezone),
              text: `${d.from}..${d.to}`,
            },
      ),
    };
    compiled.set(s, c);
  }
  return c;
}

const floorMinute = (t: number): number => Math.floor(t / MINUTE) * MINUTE;

/** The deny entry covering the minute of `t`, or null. */
function deniedBy(deny: Array<Cron | Range>, t: number): Cron | Range | null {
  return deny.find((d) => (d instanceof Cron ? d.match(new Date(t)) : t >= d.from && t < d.to)) ?? null;
}

const allowed = (allow: Cron[], t: number): boolean =>
  allow.length === 0 || allow.some((c) => c.match(new Date(t)));

/** The next minute start after `t` that some allow cron matches (`t` + 1 minute without allow). */
function nextAllowed(allow: Cron[], t: number): number | null {
  if (allow.length === 0) return floorMinute(t) + MINUTE;
  const next = allow
    .map((c) => c.nextRun(new Date(t))?.getTime() ?? null)
    .filter((x): x is number => x !== null);
  return next.length ? Math.min(...next) : null;
}

/** Whether the window is open at `now` (cheap: what the daemon's timer asks). */
export function isOpen(schedule: ScheduleSpec | null | undefined, now: Date): boolean {
  if (!schedule) return true;
  const { allow, deny } = compile(schedule);
  const t = floorMinute(now.getTime());
  return !deniedBy(deny, t) && allowed(allow, t);
}

/** Whether the window is open at `now`, and if not, why and when it opens. */
export function windowState(schedule: ScheduleSpec | null | undefined, now: Date): WindowState {
  if (!schedule) return { open: true, opensAt: null, reason: 'open' };
  const { allow, deny } = compile(schedule);
  const t = floorMinute(now.getTime());
  const denied = deniedBy(deny, t);
  if (!denied && allowed(allow, t)) return { open: true, opensAt: null, reason: 'open' };
  const reason = denied
    ? `frozen by deny ${denied instanceof Cron ? JSON.stringify(denied.getPattern()) : denied.text} (${schedule.timezone})`
    : `outside allow ${schedule.allow.map((a) => JSON.stringify(a)).join(', ')} (${schedule.timezone})`;
  return { open: false, opensAt: nextOpening(allow, deny, t), reason };
}

/** The first minute after `t` in an allow window and outside every deny entry, within a year. */
function nextOpening(allow: Cron[], deny: Array<Cron | Range>, t: number): Date | null {
  let at: number | null = t;
  for (let i = 0; at !== null && i < MAX_CANDIDATES; i++) {
    at = nextAllowed(allow, at);
    if (at === null || at - t > HORIZON_MS) return null;
    const d = deniedBy(deny, at);
    if (!d) return new Date(at);
    // A freeze by date range is skipped in one jump; a cron freeze minute by allowed minute.
    if (!(d instanceof Cron)) at = Math.max(at, d.to - MINUTE);
  }
  return null;
}
