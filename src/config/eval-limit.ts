import { ConfigError, OrbitError } from '../util/errors.js';

/**
 * Whether an error is, or holds, an evaluation over its budget (E_EVAL_LIMIT). Such a config is
 * rejected when it is loaded, before anything runs, wherever it is evaluated: a render error that
 * depends on run-time values waits for the step, a runaway never does.
 */
export function hitEvalLimit(err: unknown): boolean {
  if (!(err instanceof OrbitError)) return false;
  if (err.code === 'E_EVAL_LIMIT') return true;
  return err instanceof ConfigError && err.diagnostics.some((d) => d.code === 'E_EVAL_LIMIT');
}
