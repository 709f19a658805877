/** An argument array as a shell would read it: plain words bare, anything else JSON-quoted. */
export function argvText(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

export function paramText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** 300000 -> "5m", 90000 -> "90s", 250 -> "250ms": the way timeouts are written in HCL. */
export function msText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
