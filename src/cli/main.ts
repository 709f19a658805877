import { EVALUATOR_ARG } from '../config/evaluator-arg.js';

/**
 * The commands that open the engine as a writer, which loads config in the evaluator: it starts
 * before the CLI loads its own modules (about 130 ms), so the two starts overlap.
 */
const EVALUATING = new Set(['reconcile', 'unwind', 'redeploy', 'deploy', 'sync', 'release']);

// From the bundle, the config evaluator (src/config/isolated-load.ts) is this same file started
// with EVALUATOR_ARG and an IPC channel: it loads only the evaluator, never the CLI.
if (process.argv[2] === EVALUATOR_ARG && process.send) {
  await import('../config/load-worker.js');
} else {
  // The CLI parses HCL itself too (validate, plan, preview, notify), a few files and then gone:
  // the parser's WebAssembly on V8's baseline compiler only starts about 3× faster (as its
  // evaluator's, CLI_START). The daemon's process keeps V8's tiering: it lives long.
  if (process.argv[2] !== 'daemon') (await import('node:v8')).setFlagsFromString('--liftoff-only');
  if (EVALUATING.has(process.argv[2] ?? '')) {
    const { CLI_START, prestartEvaluator } = await import('../config/evaluator-process.js');
    prestartEvaluator(CLI_START);
  }
  const { quietOnBrokenPipe } = await import('./broken-pipe.js');
  const { run } = await import('./program.js');
  quietOnBrokenPipe(process.stdout);
  quietOnBrokenPipe(process.stderr);
  process.exitCode = await run(process.argv.slice(2));
}
