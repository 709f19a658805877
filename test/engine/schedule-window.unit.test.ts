import { describe, expect, it } from 'vitest';
import type { ScheduleSpec } from '../../src/config/types.js';
import { windowState } from '../../src/engine/schedule/window.js';

const schedule = (s: Partial<ScheduleSpec>): ScheduleSpec => ({
  timezone: 'Europe/Berlin',
  allow: [],
  deny: [],
  file: 'orbit.hcl',
  location: { file: 'orbit.hcl', line: 1, column: 1 },
  ...s,
});

// Weekdays 9:00-16:59 in Berlin; 2026-12-01 is a Tuesday, Berlin is UTC+1 in winter.
const office = schedule({ allow: ['* 9-16 * * 1-5'] });

describe('windowState (the clock is an argument)', () => {
  it('is open inside an allow window, in the schedule time zone', () => {
    expect(windowState(office, new Date('2026-12-01T08:30:00Z')).open).toBe(true); // 09:30 Berlin
    const early = windowState(office, new Date('2026-12-01T07:30:00Z')); // 08:30 Berlin
    expect(early.open).toBe(false);
    expect(early.opensAt?.toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(early.reason).toContain('outside allow');
  });

  it('opens on Monday morning when it closes on Friday evening', () => {
    const friday = windowState(office, new Date('2026-12-04T16:00:00Z')); // Fri 17:00 Berlin
    expect(friday.opensAt?.toISOString()).toBe('2026-12-07T08:00:00.000Z');
  });

  it('a freeze by date range holds the window until the day after its end', () => {
    const frozen = schedule({
      allow: office.allow,
      deny: [{ kind: 'range', from: '2026-12-20T00:00', to: '2027-01-05T00:00' }],
    });
    const w = windowState(frozen, new Date('2026-12-22T10:00:00Z'));
    expect(w.open).toBe(false);
    expect(w.reason).toContain('frozen by deny 2026-12-20T00:00..2027-01-05T00:00');
    expect(w.opensAt?.toISOString()).toBe('2027-01-05T08:00:00.000Z'); // Tue 9:00 Berlin
  });

  it('a cron freeze (Friday afternoons) closes part of an allow window', () => {
    const s = schedule({ allow: office.allow, deny: [{ kind: 'cron', cron: '* 12-23 * * 5' }] });
    const w = windowState(s, new Date('2026-12-04T12:00:00Z')); // Fri 13:00 Berlin
    expect(w.open).toBe(false);
    expect(w.opensAt?.toISOString()).toBe('2026-12-07T08:00:00.000Z');
  });

  it('without a schedule every minute is open; a window that never opens says so', () => {
    expect(windowState(null, new Date()).open).toBe(true);
    const never = schedule({ deny: [{ kind: 'cron', cron: '* * * * *' }] });
    expect(windowState(never, new Date('2026-12-01T00:00:00Z'))).toMatchObject({
      open: false,
      opensAt: null,
    });
  });

  it('follows daylight saving time: 9:00 Berlin is 07:00 UTC in summer', () => {
    const w = windowState(office, new Date('2026-07-01T06:30:00Z'));
    expect(w.opensAt?.toISOString()).toBe('2026-07-01T07:00:00.000Z');
  });
});
