/**
 * The argument the config evaluator process is started with (isolated-load.ts): from the sources
 * it runs load-worker.ts, from the bundle the bundle's entry, whose main sees it and serves.
 */
export const EVALUATOR_ARG = '--orbit-config-evaluator';
