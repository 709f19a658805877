import { EVALUATOR_ARG } from '../config/evaluator-arg.js';

// From the bundle, the config evaluator (src/config/isolated-load.ts) is this same file started
// with EVALUATOR_ARG and an IPC channel: it loads only the evaluator, never the CLI.
if (process.argv[2] === EVALUATOR_ARG && process.send) {
  await import('../config/load-worker.js');
} else {
  const { quietOnBrokenPipe } = await import('./broken-pipe.js');
  const { run } = await import('./program.js');
  quietOnBrokenPipe(process.stdout);
  quietOnBrokenPipe(process.stderr);
  process.exitCode = await run(process.argv.slice(2));
}
