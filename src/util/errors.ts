/**
 * Every error Orbit raises on purpose carries a stable `code` (tests and callers match on it)
 * and plain `data`. The CLI and the HTTP layer turn codes into exit codes / statuses in one place each.
 */
export class OrbitError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;

  constructor(code: string, message: string, data: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrbitError';
    this.code = code;
    this.data = data;
  }
}

export function isOrbitError(err: unknown, code?: string): err is OrbitError {
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
  code: string;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message} [${d.code}]`;
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
