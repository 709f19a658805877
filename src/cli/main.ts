import { quietOnBrokenPipe } from './broken-pipe.js';
import { run } from './program.js';

quietOnBrokenPipe(process.stdout);
quietOnBrokenPipe(process.stderr);
process.exitCode = await run(process.argv.slice(2));
