/** One duration rule for step timeouts and the http agent: a bare number is seconds, at most 24d. */
import { describe, expect, it } from 'vitest';
import { parseHttpRequest } from '../../src/agents/http-request.js';
import { MAX_DURATION_MS, durationProblem, parseDuration } from '../../src/util/duration.js';

describe('durations', () => {
  it('refuses what Node timers cannot wait for instead of firing after 1 ms', () => {
    expect(parseDuration('24d')).toBe(24 * 86_400_000);
    expect(MAX_DURATION_MS).toBeLessThan(2 ** 31 - 1);
    expect(parseDuration('30d')).toBeNull();
    expect(parseDuration('24d1ms')).toBeNull();
    expect(durationProblem('30d')).toMatch(/24d/);
    expect(durationProblem('0s')).toMatch(/longer than 0/);
    expect(durationProblem('1h30m')).toBeNull();
  });

  it('reads a bare number as seconds in the http agent too', () => {
    const r = parseHttpRequest('forward', ['GET', 'http://127.0.0.1/'], { timeout: 2 });
    expect(r).toMatchObject({ ok: true, value: { timeoutMs: 2000 } });
    const s = parseHttpRequest('forward', ['GET', 'http://127.0.0.1/'], { timeout: '1h30m' });
    expect(s).toMatchObject({ ok: true, value: { timeoutMs: 5_400_000 } });
  });
});
