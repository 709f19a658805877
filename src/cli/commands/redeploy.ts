import type { Command } from 'commander';
import { cliAuthor } from '../../engine/engine.js';
import { EXIT } from '../exit.js';
import { entryLine, printJson, println } from '../format.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';
import { daemonFor } from '../daemon-link.js';
import type { DeploymentRecord } from '../../state/types.js';

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('redeploy')
      .argument('<service>', 'the service whose last unwound deployment is applied again')
      .description('re-apply the deployment that was unwound last, from its recorded config commit')
      .option('--json', 'print the new deployment as JSON')
      .addHelpText('after', '\nExample:\n  $ orbit redeploy waffle'),
  ).action(async (service: string, opts: RepoOptions & { json?: boolean }) => {
    const daemon = await daemonFor(opts);
    const d = daemon
      ? (
          await daemon.post<{ deployment: DeploymentRecord }>(
            `/api/services/${encodeURIComponent(service)}/redeploy`,
            { author: cliAuthor() },
          )
        ).deployment
      : await withEngine(
          opts,
          { readOnly: false, observe: opts.json ? undefined : (e) => println(entryLine(e)) },
          (engine) => engine.redeploy(service, cliAuthor()),
        );
    if (opts.json) printJson(d);
    else if (daemon) println(`${d.deploy_id}: ${d.status} (through the daemon at ${daemon.info.url})`);
    if (d.status !== 'succeeded') process.exitCode = EXIT.failed;
  });
}
