import type { ErrorCode } from './error-codes.js';
import { visibleControls } from './control-chars.js';

export type { ErrorCode } from './error-codes.js';

/**
 * Every error Orbit raises on purpose carries a stable `code` (tests and callers match on it)
 * and plain `data`. Codes are declared, with their exit code and HTTP status, in error-codes.ts.
 */
export class OrbitError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrbitError';
    this.code = code;
    this.data = data;
  }
}

export function isOrbitError(err: unknown, code?: ErrorCode): err is OrbitError {
  return err instanceof OrbitError && (code === undefined || err.code === code);
}

/** A position in a source file; line and column are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One problem found in configuration, printed as `file:line:col: message`. */
export interface Diagnostic extends SourceLocation {
  code: ErrorCode;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  // A file's path comes from a directory name in a commit: it must not drive the terminal.
  return `${visibleControls(d.file)}:${d.line}:${d.column}: ${d.message} [${d.code}]`;
}

/** Raised when configuration is invalid; carries every diagnostic found, not just the first. */
export class ConfigError extends OrbitError {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[]) {
    const first = diagnostics[0];
    super(
      'E_CONFIG_INVALID',
      first
        ? formatDiagnostic(first) + (diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : '')
        : 'invalid configuration',
      { diagnostics },
    );
    this.name = 'ConfigError';
    this.diagnostics = diagnostics;
  }
}
