import chalk from 'chalk';
import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { commands, commandsFor } from './commands/index.js';
import { EXIT, reportError } from './exit.js';

/** The program with the commands `argv` may run (all of them without `argv`). */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('orbit')
    .description('Deployments reviewed as pull requests, audited with git log, undone safely.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const names = argv ? commandsFor(argv) : Object.keys(commands);
  for (const register of await Promise.all(names.map((n) => commands[n]!()))) register(program);
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function run(argv: string[]): Promise<number> {
  // chalk detects terminals and FORCE_COLOR but not NO_COLOR (no-color.org): honour it here, once.
  if (process.env.NO_COLOR) chalk.level = 0;
  process.exitCode = undefined;
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed the message (and help for --help / --version, which exit 0).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(err);
  }
}
