import type { Command } from 'commander';
import chalk from 'chalk';
import { OrbitError, isOrbitError } from '../../util/errors.js';
import { daemonFor } from '../daemon-link.js';
import { EXIT } from '../exit.js';
import { paint, printJson, println } from '../format.js';
import { liveOutput } from '../live/live-output.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';

const FAILED = new Set(['failed', 'rejected', 'unwind-failed', 'unwind-blocked', 'interrupted']);

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('reconcile')
      .description('process the commits the log has not seen yet, run their deployments to completion, exit')
      .option('--json', 'print the outcome of each job as JSON')
      .option(
        '--accept-rewrite',
        'the branch was force-pushed: deploy once each service whose config differs from what is deployed, and go on from the new head',
      )
      .addHelpText(
        'after',
        '\nIn a terminal, running deployments show as a live step list; elsewhere, one line per log entry.\n\nExample:\n  $ orbit reconcile --repo ./config --branch main',
      ),
    { runsAgents: true },
  ).action(async (opts: RepoOptions & { json?: boolean; acceptRewrite?: boolean }) => {
    const live = opts.json ? null : liveOutput();
    const report = await withEngine(
      opts,
      { readOnly: false, interruptible: true, observe: live?.observe.bind(live) },
      (engine) => engine.reconcile({ acceptRewrite: opts.acceptRewrite }),
    )
      .catch(async (err: unknown) => {
        throw isOrbitError(err, 'E_STATE_LOCKED') ? await daemonHolds(opts, err) : err;
      })
      .finally(() => live?.stop());
    if (opts.json) printJson(report);
    else if (report.outcomes.length === 0) println('nothing pending');
    else {
      for (const o of report.outcomes.filter((o) => o.status !== 'noop')) {
        const error =
          o.error && o.status !== 'succeeded' ? chalk.dim(` ${o.error.message.split('\n')[0]}`) : '';
        println(`${o.service}: ${paint(o.status)}${o.deployId ? ` ${o.deployId}` : ''}${error}`);
      }
    }
    if (report.outcomes.some((o) => FAILED.has(o.status))) process.exitCode = EXIT.failed;
  });
}

/** Locked by a running daemon: say so, and where, rather than name a bare process. */
async function daemonHolds(opts: RepoOptions, err: OrbitError): Promise<OrbitError> {
  const daemon = await daemonFor(opts);
  if (!daemon) return err;
  const { pid, hostname, url, started } = daemon.info;
  return new OrbitError(
    'E_STATE_LOCKED',
    `the Orbit daemon is running on this repository (pid ${pid} on ${hostname}, since ${started}, API at ${url}) and reconciles it on its own; see \`orbit status\`, or stop the daemon to reconcile by hand`,
    { ...err.data, daemon: { pid, hostname, url, started } },
  );
}
