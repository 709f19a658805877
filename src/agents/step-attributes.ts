import type { ParamSpec } from './contract.js';

/**
 * Attributes every step takes, whatever its agent. `name` and `agent` are plain strings; the
 * others are rendered by the config layer (forward/reverse into argument arrays, env into the
 * environment, timeout into milliseconds) rather than passed on as params.
 */
export const STEP_ATTRIBUTES: Readonly<Record<string, ParamSpec>> = {
  name: {
    type: 'string',
    required: true,
    description: 'unique in the deployment; letters, digits, `_` and `-`',
  },
  agent: {
    type: 'string',
    required: true,
    description: 'the agent kind: `exec`, `docker`, `http`, `ack`, `pause` or a custom agent',
  },
  forward: { type: 'argv', description: 'the forward action: a list of strings, no shell in between' },
  reverse: {
    type: 'argv',
    description: 'the reverse action, run on unwind; missing or `null`: nothing to undo',
  },
  env: { type: 'map(string)', description: 'environment variables for both actions' },
  timeout: {
    type: 'duration',
    description: 'stop the action after this long (default `10m`, at most `24d`)',
  },
  in_doubt: {
    type: 'string',
    description:
      'after Orbit stopped while this step ran: `reverse` (default) reverses it on unwind, `skip` does not',
  },
};
