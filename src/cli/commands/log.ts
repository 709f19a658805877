import type { Command } from 'commander';
import chalk from 'chalk';
import { OrbitError } from '../../util/errors.js';
import { previousOf } from '../../state/chain/index.js';
import type { Engine } from '../../engine/engine.js';
import type { DeploymentRecord, HistoryItem, LogEntry, StateLog } from '../../state/types.js';
import { entryLine, paint, printJson, println, seconds, short, symbol, when, who } from '../format.js';
import { layoutGraph } from '../log/graph.js';
import { plannedStepNames } from '../log/step-names.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';

interface LogFlags extends RepoOptions {
  json?: boolean;
  limit?: string;
  flat?: boolean;
  oneline?: boolean;
}

/** A deployment, or a rejected config commit (no deployment id), as one node of the picture. */
interface Node {
  id: string;
  parent: string | null;
  service: string;
  time: string;
  sequence: number;
  record: DeploymentRecord | null;
  rejection: LogEntry | null;
}

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('log')
      .argument('[service]', 'only this service')
      .description(
        'the activity log as a graph of deployments (newest first), each linked to its previous one',
      )
      .option(
        '-n, --limit <n>',
        'at most this many deployments (with --flat or --json: entries); default 20 / 50',
      )
      .option('--oneline', 'one line per deployment, without its steps')
      .option('--flat', 'every log entry on its own line, as `git log --oneline orbit/state` shows them')
      .option('--json', 'print the entries as JSON (newest first)')
      .addHelpText(
        'after',
        `
A deployment whose previous deployment is not the one drawn below it forks a lane: a failed or
unwound deployment sits on a side lane, and the chain that stayed in effect continues on the left.

Examples:
  $ orbit log waffle
  $ orbit log --oneline -n 5
  $ orbit log waffle --flat --json`,
      ),
  ).action(async (service: string | undefined, opts: LogFlags) => {
    const flat = opts.flat || opts.json;
    const limit = opts.limit === undefined ? (flat ? 50 : 20) : Number(opts.limit);
    if (!Number.isInteger(limit) || limit <= 0) {
      throw new OrbitError('E_BAD_FLAG', `--limit must be a positive integer, got "${opts.limit}"`, {
        flag: '--limit',
      });
    }
    if (flat) {
      const items = await withEngine(opts, { readOnly: true }, async (engine) => {
        const out: HistoryItem[] = [];
        for await (const item of engine.state.history({ service, limit })) out.push(item);
        if (out.length === 0) await assertKnownService(engine, service);
        return out;
      });
      if (opts.json) return printJson(items);
      for (const { sha, entry } of items) {
        println(`${chalk.yellow(short(sha))} ${chalk.dim(when(entry.applied_time))} ${entryLine(entry)}`);
      }
      return;
    }
    const nodes = await withEngine(opts, { readOnly: true }, async (engine) => {
      const found = await collect(engine.state, service, limit);
      if (found.length === 0) await assertKnownService(engine, service);
      return found;
    });
    if (nodes.length === 0) return println(chalk.dim('no deployments yet'));
    const planned = new Map<string, string[]>();
    if (!opts.oneline)
      for (const n of nodes) if (n.record) planned.set(n.id, await plannedStepNames(opts.repo, n.record));
    const services = [...new Set(nodes.map((n) => n.service))].sort();
    for (const [i, name] of services.entries()) {
      if (services.length > 1) println((i > 0 ? '\n' : '') + chalk.bold.underline(name));
      const mine = nodes.filter((n) => n.service === name).sort(newestFirst);
      for (const row of layoutGraph(mine)) {
        if (!row.node) {
          println(chalk.dim(row.prefix.trimEnd()));
          continue;
        }
        const at = row.prefix.indexOf('*');
        const [first, ...more] = nodeLines(row.node);
        println(
          chalk.dim(row.prefix.slice(0, at)) +
            symbolOf(row.node) +
            chalk.dim(row.prefix.slice(at + 1)) +
            first,
        );
        for (const line of more) println(chalk.dim(row.more) + '  ' + line);
        if (!opts.oneline && row.node.record?.steps.length) {
          println(chalk.dim(row.more) + '  ' + stepsLine(row.node.record, planned.get(row.node.id) ?? []));
        }
      }
    }
  });
}

/** A service with nothing in the log must at least be on the branch: else a typo reads as "no deployments". */
async function assertKnownService(engine: Engine, service: string | undefined): Promise<void> {
  if (service === undefined || (await engine.status()).some((s) => s.service === service)) return;
  throw new OrbitError('E_UNKNOWN_SERVICE', `no service ${service} in the log or on the branch`, { service });
}

/** Deployments touched by the newest entries, until `limit` of them are found. */
async function collect(state: StateLog, service: string | undefined, limit: number): Promise<Node[]> {
  const ids: string[] = [];
  const rejections: LogEntry[] = [];
  for await (const { entry } of state.history({ service })) {
    if (entry.kind === 'commit-rejected') rejections.push(entry);
    else if (entry.deploy_id && !ids.includes(entry.deploy_id)) ids.push(entry.deploy_id);
    if (ids.length + rejections.length >= limit) break;
  }
  const records = await Promise.all(ids.map((id) => state.deployment(id)));
  const nodes: Node[] = records
    .filter((r): r is DeploymentRecord => r !== null)
    .map((r) => ({
      id: r.deploy_id,
      parent: previousOf(r),
      service: r.service_id,
      time: r.started_time,
      sequence: r.sequence,
      record: r,
      rejection: null,
    }));
  for (const [i, e] of rejections.entries()) {
    nodes.push({
      id: `rejected:${i}:${e.config_commit ?? ''}`,
      parent: null,
      service: e.service_id,
      time: e.applied_time,
      sequence: -1,
      record: null,
      rejection: e,
    });
  }
  return nodes;
}

const newestFirst = (a: Node, b: Node): number =>
  a.time === b.time ? b.sequence - a.sequence : a.time < b.time ? 1 : -1;

const symbolOf = (n: Node): string => (n.record ? symbol(n.record.status) : symbol('rejected'));

const STATUS_WORD: Record<string, string> = {
  succeeded: 'deployed',
  failed: 'failed',
  unwound: 'unwound',
  'unwind-failed': 'unwind failed',
  running: 'running',
  unwinding: 'unwinding',
  skipped: 'skipped',
  rejected: 'rejected',
};

function nodeLines(n: Node): string[] {
  if (!n.record) {
    const e = n.rejection!;
    const err = e.error?.message.split('\n')[0] ?? 'invalid configuration';
    return [
      `${paint('rejected', `commit ${short(e.config_commit)} rejected`)} ${chalk.dim(`${who(e.author)} · ${when(e.applied_time)}`)}`,
      chalk.red(err),
    ];
  }
  const d = n.record;
  const what = d.redeploy_of ? `redeploy of ${d.redeploy_of}` : `commit ${short(d.config_commit)}`;
  const total = totalMs(d);
  const unwind = d.unwind && d.status !== 'failed' ? chalk.yellow(` · unwound (${d.unwind.reason})`) : '';
  return [
    `${chalk.bold(d.deploy_id)} ${paint(d.status, STATUS_WORD[d.status] ?? d.status)} ` +
      chalk.dim(
        `${what} · ${who(d.author)} · ${when(d.started_time)}${total === null ? '' : ` · ${seconds(total)}`}`,
      ) +
      unwind,
  ];
}

/** Time spent in forward actions: the deployment itself, not the wait until a later unwind. */
function totalMs(d: DeploymentRecord): number | null {
  return d.steps.length ? d.steps.reduce((t, s) => t + (s.duration_ms ?? 0), 0) : null;
}

/** `✓ migrate 0.02s  ✗ deploy 0.01s  · announce not run`: the deployment's entries, grouped by step. */
function stepsLine(d: DeploymentRecord, planned: readonly string[]): string {
  const parts = d.steps.map((s) => {
    const ms =
      s.status === 'reversed' || s.status === 'reverse-failed' ? s.reverse_duration_ms : s.duration_ms;
    return `${symbol(s.status)} ${s.step_name}${ms === null ? '' : chalk.dim(' ' + seconds(ms))}`;
  });
  const count = d.step_count ?? d.steps.length;
  for (let i = d.steps.length; i < count; i++)
    parts.push(chalk.dim(`· ${planned[i] ?? `step ${i + 1}`} not run`));
  const err = d.error && d.status !== 'succeeded' ? chalk.red(`  ${d.error.message.split('\n')[0]}`) : '';
  return parts.join('  ') + err;
}
