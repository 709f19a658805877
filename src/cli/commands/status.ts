import type { Command } from 'commander';
import chalk from 'chalk';
import { paint, printJson, println, short } from '../format.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';
import { daemonFor } from '../daemon-link.js';
import type { ServiceStatus } from '../../engine/status.js';
import { failingTargets, type TargetHealth } from '../../notify/queue.js';

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('status')
      .description("each service's current deployment, against what the branch says")
      .option('--json', 'print as JSON: one object per service, current deployment or null')
      .addHelpText('after', '\nExample:\n  $ orbit status --json'),
  ).action(async (opts: RepoOptions & { json?: boolean }) => {
    const daemon = await daemonFor(opts);
    const answer = daemon
      ? await daemon.get<{ services: ServiceStatus[]; notify?: Record<string, TargetHealth> }>(
          '/api/services',
        )
      : null;
    const statuses =
      answer?.services ?? (await withEngine(opts, { readOnly: true }, (engine) => engine.status()));
    if (opts.json) return printJson(statuses);
    if (statuses.length === 0) return println('no services');
    for (const s of statuses) {
      const current = s.current
        ? `${s.current.id} ${paint(s.current.status)} ${chalk.dim(`commit ${short(s.current.config_commit)}`)}`
        : chalk.dim('nothing deployed');
      const extra = [
        s.in_flight ? chalk.cyan(`running ${s.in_flight}`) : null,
        s.blocked
          ? chalk.red(
              `unwind blocked ${s.blocked.id}: ${s.blocked.error?.code ?? ''} ${s.blocked.error?.message ?? ''}`.trim(),
            )
          : null,
        s.redeployable ? chalk.dim(`redeploy would apply ${s.redeployable}`) : null,
        s.rejected ? chalk.red(`rejected commit ${short(s.rejected.config_commit)}`) : null,
      ].filter(Boolean);
      const drift = s.drift === 'drift' ? `branch at ${short(s.branch_commit)}` : s.drift;
      println(
        `${chalk.bold(s.service)}  ${current}  ${paint(s.drift, drift)}${extra.length ? '  ' + extra.join('  ') : ''}`,
      );
    }
    for (const line of failingTargets(answer?.notify ?? {})) println(chalk.red(line));
  });
}
