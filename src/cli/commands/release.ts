import type { Command } from 'commander';
import { cliAuthor } from '../../engine/engine.js';
import { runSyncCommand } from '../daemon-link.js';
import { withRepoOptions, type RepoOptions } from '../repo-options.js';

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('release')
      .argument('<service>', 'the held service')
      .description(
        'lift the hold an unwind or a failed deployment put on a service, and deploy the branch head (if it differs)',
      )
      .option('--json', 'print the result as JSON')
      .addHelpText('after', '\nExample:\n  $ orbit release waffle'),
  ).action((service: string, opts: RepoOptions & { json?: boolean }) =>
    runSyncCommand(opts, {
      route: `/api/services/${encodeURIComponent(service)}/release`,
      body: { author: cliAuthor() },
      run: async (engine) => [await engine.release(service, cliAuthor())],
    }),
  );
}
