import type { Command } from 'commander';
import { cliAuthor } from '../../engine/engine.js';
import type { SyncResult } from '../../engine/engine.js';
import { OrbitError } from '../../util/errors.js';
import { runSyncCommand } from '../daemon-link.js';
import { withRepoOptions, type RepoOptions } from '../repo-options.js';

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('sync')
      .argument('[service]', 'the service to bring to what the branch head says')
      .description(
        'deploy what the branch head says for a service that is out of sync and not on hold (nothing to do: says so, exit 0)',
      )
      .option('--all', 'every out-of-sync service (held ones are reported, not deployed)')
      .option('--release', 'lift the hold of a held service (an unwind, a failed deployment) first')
      .option('--json', 'print the result of each service as JSON')
      .addHelpText(
        'after',
        '\nExamples:\n  $ orbit sync waffle\n  $ orbit sync --all\n  $ orbit sync waffle --release',
      ),
  ).action(
    (
      service: string | undefined,
      opts: RepoOptions & { all?: boolean; release?: boolean; json?: boolean },
    ) => {
      if (!service === !opts.all)
        throw new OrbitError('E_USAGE', 'name one service, or give --all', { service: service ?? null });
      const body = { author: cliAuthor(), release: opts.release === true };
      return runSyncCommand(opts, {
        route: service ? `/api/services/${encodeURIComponent(service)}/sync` : '/api/sync',
        body,
        run: async (engine): Promise<SyncResult[]> =>
          service
            ? [await engine.sync(service, body.author, { release: body.release })]
            : engine.syncAll(body.author, { release: body.release }),
      });
    },
  );
}
