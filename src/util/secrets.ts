/**
 * Sensitive variable values must never reach the state branch, logs or output.
 * `mask` replaces each secret value by a marker; `unmask` puts current values back, which is how
 * a recorded reverse action that needed a secret is replayed without the log ever holding it.
 */
export interface Secret {
  name: string;
  value: string;
  /** The variable's value as typed (a list or map, a number...), on the first entry of a variable. */
  raw?: unknown;
  /**
   * A value computed from the secret (`base64encode(var.pw)`): masked as well, but never put back
   * by `unmask` — a recorded action recomputes it from its recipe instead.
   */
  derived?: boolean;
}

/**
 * The one form a secret takes wherever Orbit records or shows it (log, state branch, output,
 * comments, previews): `(sensitive:NAME)`. A value computed from secrets names them: `(sensitive:a+b)`.
 */
export const marker = (name: string): string => `(sensitive:${name})`;

/** `https://user:token@host/x` → `https://(sensitive:credentials)@host/x`: a remote's URL may carry a token. */
export const maskUrlCredentials = (text: string): string =>
  text.replace(/\/\/[^/@\s]+@/g, `//${marker('credentials')}@`);

/** Longest values first, so a secret that contains another is masked whole. */
function ordered(secrets: readonly Secret[]): Secret[] {
  return secrets.filter((s) => s.value.length > 0).sort((a, b) => b.value.length - a.value.length);
}

export function maskText(text: string, secrets: readonly Secret[]): string {
  let out = text;
  for (const s of ordered(secrets)) out = out.split(s.value).join(marker(s.name));
  return out;
}

export function unmaskText(text: string, secrets: readonly Secret[]): string {
  let out = text;
  for (const s of secrets) if (!s.derived) out = out.split(marker(s.name)).join(s.value);
  return out;
}

/** Masks every string inside a JSON-like value (arrays, plain objects), leaving its shape. */
export function maskDeep<T>(value: T, secrets: readonly Secret[]): T {
  return mapStrings(value, (s) => maskText(s, secrets));
}

/**
 * A deployment's variable values as they are recorded: a sensitive variable's whole value becomes
 * its marker whatever its type (a number or a bool has no string to mask), and strings elsewhere
 * are masked as everywhere.
 */
export function maskValues(
  values: Record<string, unknown>,
  secrets: readonly Secret[],
): Record<string, unknown> {
  const whole = new Set(secrets.filter((s) => !s.derived && s.raw !== undefined).map((s) => s.name));
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, whole.has(k) ? marker(k) : maskDeep(v, secrets)]),
  );
}

export function unmaskDeep<T>(value: T, secrets: readonly Secret[]): T {
  return mapStrings(value, (s) => unmaskText(s, secrets));
}

function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out as T;
  }
  return value;
}
