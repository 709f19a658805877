import { isMainThread } from 'node:worker_threads';
import { quietOnBrokenPipe } from './broken-pipe.js';
import { run } from './program.js';

// In the bundle, the config evaluation worker loads this same file: only the main thread is the CLI.
if (isMainThread) {
  quietOnBrokenPipe(process.stdout);
  quietOnBrokenPipe(process.stderr);
  process.exitCode = await run(process.argv.slice(2));
}
