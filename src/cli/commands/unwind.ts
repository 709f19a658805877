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
      .command('unwind')
      .argument(
        '<target>',
        "a service (its current deployment) or a deployment id, which must be the service's current one",
      )
      .description(
        'run the recorded reverse actions of the current deployment; again and again walks back in time',
      )
      .option('--json', 'print the unwound deployment as JSON')
      .addHelpText('after', '\nExamples:\n  $ orbit unwind waffle\n  $ orbit unwind waffle-12'),
  ).action(async (target: string, opts: RepoOptions & { json?: boolean }) => {
    const daemon = await daemonFor(opts);
    const d = daemon
      ? (
          await daemon.post<{ deployment: DeploymentRecord }>(
            `/api/services/${encodeURIComponent(target)}/unwind`,
            { author: cliAuthor() },
          )
        ).deployment
      : await withEngine(
          opts,
          { readOnly: false, observe: opts.json ? undefined : (e) => println(entryLine(e)) },
          (engine) => engine.unwind(target, cliAuthor()),
        );
    if (opts.json) printJson(d);
    else if (daemon) println(`${d.deploy_id}: ${d.status} (through the daemon at ${daemon.info.url})`);
    if (d.status !== 'unwound') process.exitCode = EXIT.failed;
  });
}
