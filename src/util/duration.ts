/**
 * The one duration syntax of Orbit (docs/hcl.md): "250ms", "90s", "5m", "1h30m", "1d", or a bare
 * number, which means seconds. Step timeouts, the http agent and the daemon's intervals all use
 * this parser (it lives in util/ because config/ and agents/ both need it).
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The longest duration Orbit accepts. Node's timers hold at most 2^31-1 ms (24.8 days) and fire
 * at once beyond that, so a longer timeout would stop the action after 1 ms.
 */
export const MAX_DURATION_MS = 24 * UNIT_MS.d!;

/** Milliseconds, or null when `text` is not a duration or is longer than MAX_DURATION_MS. */
export function parseDuration(text: string | number): number | null {
  const ms = parseAnyDuration(text);
  return ms !== null && ms <= MAX_DURATION_MS ? ms : null;
}

function parseAnyDuration(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.round(text * 1000) : null;
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(s)) return null;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return Math.round(total);
}

/** What is wrong with `value` as a timeout (more than 0, at most 24d), or null. */
export function durationProblem(value: unknown): string | null {
  const shown = JSON.stringify(value);
  if (typeof value !== 'string' && typeof value !== 'number')
    return `${shown} is not a duration such as 90s, 5m or 1h30m`;
  const ms = parseAnyDuration(value);
  if (ms === null) return `${shown} is not a duration such as 90s, 5m or 1h30m`;
  if (ms <= 0) return `${shown} must be longer than 0`;
  if (ms > MAX_DURATION_MS) return `${shown} is longer than the 24d Orbit can wait for`;
  return null;
}
