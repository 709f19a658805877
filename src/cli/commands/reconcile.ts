import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { entryLine, paint, printJson, println } from '../format.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';

const FAILED = new Set(['failed', 'rejected', 'unwind-failed']);

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('reconcile')
      .description('process the commits the log has not seen yet, run their deployments to completion, exit')
      .option('--json', 'print the outcome of each job as JSON')
      .addHelpText('after', '\nExample:\n  $ orbit reconcile --repo ./config --branch main'),
  ).action(async (opts: RepoOptions & { json?: boolean }) => {
    const report = await withEngine(
      opts,
      {
        readOnly: false,
        observe: opts.json ? undefined : (e) => e.kind !== 'commit-seen' && println(entryLine(e)),
      },
      (engine) => engine.reconcile(),
    );
    if (opts.json) printJson(report);
    else if (report.outcomes.length === 0) println('nothing pending');
    else {
      for (const o of report.outcomes.filter((o) => o.status !== 'noop')) {
        println(`${o.service}: ${paint(o.status)}${o.deployId ? ` ${o.deployId}` : ''}`);
      }
    }
    if (report.outcomes.some((o) => FAILED.has(o.status))) process.exitCode = EXIT.failed;
  });
}
