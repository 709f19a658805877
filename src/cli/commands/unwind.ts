import type { Command } from 'commander';
import { cliAuthor } from '../../engine/engine.js';
import { changeDeployment } from '../daemon-link.js';
import { withRepoOptions, type RepoOptions } from '../repo-options.js';

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
      .option(
        '--in-doubt-done',
        'resume an unwind blocked on a step in doubt (E_IN_DOUBT_NEEDS_OUTPUTS): you undid that step by hand',
      )
      .option(
        '--with-dependents',
        'first unwind the current deployments that depend on it (depends_on) and were deployed after it, dependents of dependents first',
      )
      .addHelpText(
        'after',
        '\nExamples:\n  $ orbit unwind waffle\n  $ orbit unwind waffle-12\n  $ orbit unwind db --with-dependents',
      ),
    { runsAgents: true },
  ).action(
    (
      target: string,
      opts: RepoOptions & { json?: boolean; inDoubtDone?: boolean; withDependents?: boolean },
    ) =>
      changeDeployment(opts, {
        route: `/api/services/${encodeURIComponent(target)}/unwind`,
        // The daemon's unwind route must accept and forward it (src/daemon/routes/change-routes.ts).
        ...(opts.withDependents ? { body: { with_dependents: true } } : {}),
        run: (engine) =>
          engine.unwind(target, cliAuthor(), {
            inDoubtDone: opts.inDoubtDone,
            withDependents: opts.withDependents,
          }),
        expected: 'unwound',
      }),
  );
}
