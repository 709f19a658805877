/**
 * The parameter contract of an agent kind: plain data declaring the attributes a step of that kind
 * takes, checked by `orbit validate`, `orbit plan` and the engine before anything runs. Contracts
 * import nothing heavy (no dockerode, no child_process): the config layer reads them.
 */

/** How a value is written in HCL; `duration` is the one duration syntax (docs/hcl.md). */
export type ParamType =
  'string' | 'bool' | 'number' | 'list(string)' | 'map(string)' | 'duration' | 'argv' | 'any';

export interface ParamSpec {
  type: ParamType;
  required?: boolean;
  /** One line for docs/agents.md. */
  description: string;
  /** A rule on a value of the right type: what is wrong with it, or null. */
  check?: (value: unknown) => string | null;
}

export interface AgentContract {
  kind: string;
  /** Whether a step of this kind must have a `forward` action. */
  forward: 'required' | 'optional';
  /** Whether `forward = []` / `reverse = []` mean something (docker: the image's CMD). */
  emptyArgs: boolean;
  /** A rule on a rendered `forward` or `reverse` array: what is wrong with it, or null. */
  checkArgs?: (args: readonly string[]) => string | null;
  /** A rule on which attributes are present together: what is missing, or null. */
  needs?: (present: ReadonlySet<string>) => string | null;
  /** false: attributes beyond the declared ones are accepted as they are (undeclared custom agents). */
  closed: boolean;
  params: Readonly<Record<string, ParamSpec>>;
}

/** What is wrong with `value` as a `type`, or null; null values count as absent. */
export function typeProblem(type: ParamType, value: unknown): string | null {
  const ok = ((): boolean => {
    switch (type) {
      case 'string':
        return typeof value === 'string';
      case 'bool':
        return typeof value === 'boolean';
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'list(string)':
      case 'argv':
        return Array.isArray(value) && value.every((x) => typeof x === 'string');
      case 'map(string)':
        return isMap(value) && Object.values(value).every((x) => typeof x !== 'object' || x === null);
      case 'duration':
        return typeof value === 'string' || typeof value === 'number';
      case 'any':
        return true;
    }
  })();
  return ok ? null : `must be ${TYPE_WORDS[type]}, got ${describe(value)}`;
}

const TYPE_WORDS: Record<ParamType, string> = {
  string: 'a string',
  bool: 'true or false',
  number: 'a number',
  'list(string)': 'a list of strings',
  'map(string)': 'a map of strings',
  duration: 'a duration such as "90s" or "5m"',
  argv: 'a list of strings (the command and its arguments)',
  any: 'any value',
};

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a map';
  // Never the value itself: it may come from a sensitive variable.
  return typeof v === 'boolean' ? 'a bool' : `a ${typeof v}`;
}

/** A check that the value is one of `choices`. */
export const oneOf =
  (...choices: string[]) =>
  (v: unknown): string | null =>
    choices.includes(v as string) ? null : `must be one of ${choices.map((c) => `"${c}"`).join(', ')}`;

export const nonEmpty = (v: unknown): string | null => (v === '' ? 'must not be empty' : null);
