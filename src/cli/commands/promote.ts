import type { Command } from 'commander';
import chalk from 'chalk';
import { promote } from '../../engine/promote.js';
import { printJson, println } from '../format.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';

interface PromoteFlags extends RepoOptions {
  from: string;
  to: string;
  json?: boolean;
}

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('promote')
      .description(
        "write a branch that sets one environment's values of a service to what is current and healthy in another",
      )
      .argument('<service>', 'the service, without environment (a directory under services/)')
      .requiredOption('--from <env>', 'the environment whose current, healthy deployment is promoted')
      .requiredOption('--to <env>', 'the environment whose values.hcl the branch changes')
      .option('--json', 'print the promotion as JSON')
      .addHelpText(
        'after',
        `
Nothing is deployed and no working tree is touched: the commit is on a new branch off --branch,
ready for a pull request. Merging it deploys the --to environment.

Exit status: 0 the branch was written (or the values are equal already), 1 refused (the source is
not healthy, or has no current deployment), 2 a bad flag, an unknown service or environment.

Examples:
  $ orbit promote api --from staging --to prod
  $ orbit preview main..orbit/promote/api/staging-to-prod-1a2b3c4`,
      ),
  ).action(async (name: string, opts: PromoteFlags) => {
    const result = await withEngine(opts, { readOnly: true }, (engine) =>
      promote(engine, { name, from: opts.from, to: opts.to }),
    );
    if (opts.json) return printJson(result);
    if (result.kind === 'unchanged') return println(result.message);
    println(`${chalk.green('branch')} ${result.branch} (${result.commit!.slice(0, 12)})`);
    println(`  sets ${result.path} to the values of ${result.deployment}`);
    if (result.warning) println(chalk.yellow(`  warning: ${result.warning}`));
    println(`  preview: orbit preview ${opts.branch}..${result.branch}`);
  });
}
