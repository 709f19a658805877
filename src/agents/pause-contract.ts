import { durationProblem } from '../util/duration.js';
import type { AgentContract } from './contract.js';

/**
 * `pause`: waits between waves of a rollout, for a `duration` or `until = "ack"` (a human approves
 * it like an `ack` step: `orbit ack`). Its reverse has nothing to undo (src/agents/pause-agent.ts).
 */
export const PAUSE_CONTRACT: AgentContract = {
  kind: 'pause',
  forward: 'optional',
  emptyArgs: true,
  closed: true,
  needs: (present) =>
    present.has('duration') === present.has('until')
      ? 'a pause step takes either `duration` or `until = "ack"`'
      : null,
  params: {
    duration: {
      type: 'duration',
      description: 'how long to wait, e.g. `5m` (the step `timeout` must be longer)',
      check: durationProblem,
    },
    until: {
      type: 'string',
      description: '`"ack"`: wait until someone approves it (`orbit ack`), at most the step `timeout`',
      check: (v) => (v === 'ack' ? null : 'must be "ack"'),
    },
    approvers: {
      type: 'list(string)',
      description: 'with `until = "ack"`: who may approve (default: anyone holding the API token)',
    },
  },
};
