/** Durations in HCL: the one parser of src/util/duration.ts, and the default step timeout. */
export { MAX_DURATION_MS, durationProblem, parseDuration } from '../util/duration.js';

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
