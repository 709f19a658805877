import type { Command } from 'commander';
import chalk from 'chalk';
import { padEnd, printJson, println, short, visibleWidth } from '../format.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';
import { daemonForReading, warnIfDegraded } from '../daemon-link.js';
import type { DaemonProblem } from '../../daemon/degraded.js';
import type { ServiceStatus } from '../../engine/status.js';
import { failingTargets, type TargetHealth } from '../../notify/queue.js';

/** Green when all is well, yellow when Orbit is not where the branch is, cyan under way, red for a person. */
const COLOUR: Record<string, (t: string) => string> = {
  synced: chalk.green,
  healthy: chalk.green,
  'out-of-sync': chalk.yellow,
  held: chalk.yellow,
  progressing: chalk.cyan,
  verifying: chalk.cyan,
  'waiting-approval': chalk.cyan,
  failed: chalk.red,
  'unwind-failed': chalk.red,
  blocked: chalk.red,
};
const colour = (word: string, text = word): string => (COLOUR[word] ?? chalk.dim)(text);

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('status')
      .description(
        'each service: synced with the branch or not (why), healthy or not (what is going on), held',
      )
      .option(
        '--json',
        'print as JSON: one object per service, with sync, sync_reason, health, health_reason, hold',
      )
      .addHelpText('after', '\nExample:\n  $ orbit status --json'),
  ).action(async (opts: RepoOptions & { json?: boolean }) => {
    const daemon = await daemonForReading(opts);
    let statuses: ServiceStatus[];
    let notify: Record<string, TargetHealth> = {};
    if (daemon) {
      const answer = await daemon.get<{
        services: ServiceStatus[];
        problems?: DaemonProblem[];
        notify?: Record<string, TargetHealth>;
      }>('/api/services');
      await warnIfDegraded(daemon, answer.problems ?? []);
      statuses = answer.services;
      notify = answer.notify ?? {};
    } else statuses = await withEngine(opts, { readOnly: true }, (engine) => engine.status());
    if (opts.json) return printJson(statuses);
    if (statuses.length === 0) return println('no services');
    for (const line of statusTable(statuses)) println(line);
    for (const line of failingTargets(notify)) println(chalk.red(line));
  });
}

/** The aligned table, a header first, then one line per problem under it. */
export function statusTable(statuses: readonly ServiceStatus[]): string[] {
  const header = ['SERVICE', 'SYNC', 'HEALTH', 'CURRENT', 'COMMIT', 'BRANCH', 'HOLD'];
  const rows = statuses.map((s) => [
    chalk.bold(s.service),
    colour(s.sync),
    colour(s.health),
    s.current ? s.current.id : chalk.dim('-'),
    s.current ? short(s.current.config_commit) : chalk.dim('-'),
    short(s.branch_commit),
    s.hold ? colour('held', `held (${s.hold.reason})`) : chalk.dim('-'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleWidth(r[i]!))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : padEnd(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  return [chalk.dim(line(header)), ...rows.map(line), ...statuses.flatMap(problemLines)];
}

/** What is wrong with one service, one line each, with what to run when a person must act. */
function problemLines(s: ServiceStatus): string[] {
  const out: string[] = [];
  const name = chalk.bold(s.service);
  if (s.sync_reason) out.push(`${name}: ${colour(s.sync)}: ${s.sync_reason.message}`);
  const h = s.health_reason;
  if (h) {
    out.push(`${name}: ${colour(s.health)}: ${h.message}`);
    if (h.approvers !== undefined) out.push(`  approvers: ${approversLine(h)}; until ${h.until ?? '-'}`);
    for (const l of h.stderr_tail) out.push(chalk.dim(`  stderr | ${l}`));
    if (h.run) out.push(`  run: ${h.run}`);
  }
  if (s.hold) out.push(`${name}: ${colour('held', s.hold.message)}`);
  return out;
}

/** Who may still approve: the step's approvers less who approved and who caused the deployment. */
function approversLine(h: NonNullable<ServiceStatus['health_reason']>): string {
  const may = h.approval ? h.approval.may_approve : h.approvers;
  const excluded = h.approval?.excluded.length ? ` (not ${h.approval.excluded.join(', ')}: caused it)` : '';
  return `${may ? may.join(', ') || 'no one left' : 'anyone with the approver role'}${excluded}`;
}
