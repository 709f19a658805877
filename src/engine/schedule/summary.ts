/** How plan and preview show a schedule: what it allows and denies, and whether it is open now. */
import type { ScheduleSpec } from '../../config/types.js';
import { windowState } from './window.js';

export interface ScheduleSummary {
  timezone: string;
  allow: string[];
  deny: string[];
  /** Where it is written: orbit.hcl or the service's deploy.hcl. */
  file: string;
  open_now: boolean;
  /** When it opens next, if it is closed now. */
  opens_at: string | null;
  reason: string;
}

export function scheduleSummary(s: ScheduleSpec, now: Date): ScheduleSummary {
  const w = windowState(s, now);
  return {
    timezone: s.timezone,
    allow: s.allow,
    deny: s.deny.map((d) => (d.kind === 'cron' ? d.cron : `${d.from}..${d.to}`)),
    file: s.file,
    open_now: w.open,
    opens_at: w.opensAt?.toISOString() ?? null,
    reason: w.reason,
  };
}

export function scheduleLines(s: ScheduleSummary): string[] {
  const lines = [`timezone ${s.timezone} (from ${s.file})`];
  lines.push(`allow: ${s.allow.length ? s.allow.join(' | ') : 'any time'}`);
  if (s.deny.length) lines.push(`deny: ${s.deny.join(' | ')}`);
  lines.push(
    s.open_now
      ? 'open now: a deployment would start at once'
      : `closed now (${s.reason}): a deployment would wait until ${s.opens_at ?? 'no opening within a year'}`,
  );
  return lines;
}
