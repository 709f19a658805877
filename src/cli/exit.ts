import { ERROR_CODES, isErrorCode } from '../util/error-codes.js';
import { ConfigError, OrbitError, formatDiagnostic } from '../util/errors.js';

/** Exit codes: 0 success, 1 a failed deployment or invalid config, 2 usage errors, 3 Orbit could not run. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

export const USAGE_HINT = '(run with --help for usage)';

/** The exit code of an error: its code's, from the registry; anything else means Orbit could not run. */
export function exitCodeOf(err: unknown): number {
  return err instanceof OrbitError && isErrorCode(err.code) ? ERROR_CODES[err.code].exit : EXIT.internal;
}

/** The one place where an error becomes text on stderr and an exit code. */
export function reportError(
  err: unknown,
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): number {
  const exit = exitCodeOf(err);
  if (err instanceof ConfigError) {
    for (const d of err.diagnostics) write(formatDiagnostic(d));
    return exit;
  }
  if (err instanceof OrbitError) {
    write(`orbit: ${err.message}`);
    // The same hint commander prints after its own usage errors.
    if (exit === EXIT.usage) write(USAGE_HINT);
    return exit;
  }
  const message = err instanceof Error ? err.message : String(err);
  write(`orbit: unexpected error: ${message}`);
  if (process.env.ORBIT_DEBUG && err instanceof Error && err.stack) write(err.stack);
  return exit;
}
