import { ConfigError, OrbitError, formatDiagnostic } from '../util/errors.js';

/** Exit codes: 0 success, 1 a failed deployment or invalid config, 2 usage errors, 3 Orbit could not run. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

const USAGE_CODES = new Set([
  'E_USAGE',
  'E_UNKNOWN_SERVICE',
  'E_UNKNOWN_DEPLOYMENT',
  'E_BAD_FLAG',
  'E_UNKNOWN_REF',
]);

export const USAGE_HINT = '(run with --help for usage)';

/** The one place where an error becomes text on stderr and an exit code. */
export function reportError(
  err: unknown,
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): number {
  if (err instanceof ConfigError) {
    for (const d of err.diagnostics) write(formatDiagnostic(d));
    return EXIT.failed;
  }
  if (err instanceof OrbitError) {
    write(`orbit: ${err.message}`);
    // The same hint commander prints after its own usage errors.
    if (USAGE_CODES.has(err.code)) write(USAGE_HINT);
    return USAGE_CODES.has(err.code) ? EXIT.usage : err.code === 'E_INTERNAL' ? EXIT.internal : EXIT.failed;
  }
  const message = err instanceof Error ? err.message : String(err);
  write(`orbit: unexpected error: ${message}`);
  if (process.env.ORBIT_DEBUG && err instanceof Error && err.stack) write(err.stack);
  return EXIT.internal;
}
