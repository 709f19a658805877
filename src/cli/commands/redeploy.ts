import type { Command } from 'commander';
import { cliAuthor } from '../../engine/engine.js';
import { changeDeployment } from '../daemon-link.js';
import { withRepoOptions, type RepoOptions } from '../repo-options.js';

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('redeploy')
      .argument('<service>', 'the service whose last unwound deployment is applied again')
      .description('re-apply the deployment that was unwound last, from its recorded config commit')
      .option('--json', 'print the new deployment as JSON')
      .addHelpText('after', '\nExample:\n  $ orbit redeploy waffle'),
    { runsAgents: true },
  ).action((service: string, opts: RepoOptions & { json?: boolean }) =>
    changeDeployment(opts, {
      route: `/api/services/${encodeURIComponent(service)}/redeploy`,
      run: (engine) => engine.redeploy(service, cliAuthor()),
      expected: 'succeeded',
    }),
  );
}
