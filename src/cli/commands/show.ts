import type { Command } from 'commander';
import chalk from 'chalk';
import type { DeploymentRecord, StepRecord } from '../../state/types.js';
import { previousOf, replacedBy } from '../../state/chain/index.js';
import { REVERSE_LOG_SEPARATOR } from '../../state/projection.js';
import { mustRead } from '../../engine/agent-call.js';
import {
  padEnd,
  paint,
  printJson,
  println,
  seconds,
  short,
  symbol,
  visibleWidth,
  when,
  who,
} from '../format.js';
import { plannedStepNames } from '../log/step-names.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';

const LOG_TAIL = 20;
const BAR = 24;
const GUTTER = chalk.dim('   │ ');

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('show')
      .argument('<deployment>', 'a deployment id such as waffle-12')
      .description('one deployment: its chain, each step with timings, outputs and logs')
      .option('--json', 'print the deployment record with step logs as JSON')
      .option('--full', 'print whole step logs, not their last 20 lines')
      .addHelpText('after', '\nExamples:\n  $ orbit show waffle-12\n  $ orbit show waffle-12 --json'),
  ).action(async (id: string, opts: RepoOptions & { json?: boolean; full?: boolean }) => {
    const result = await withEngine(opts, { readOnly: true }, async (engine) => {
      const record = await mustRead(engine.state, id);
      const logs = await Promise.all(record.steps.map((s) => engine.state.stepLog(id, s.step_index)));
      const current = (await engine.state.service(record.service_id))?.current === id;
      return { record, logs, current };
    });
    const { record: d, logs, current } = result;
    if (opts.json) {
      return printJson({ ...d, steps: d.steps.map((s, i) => ({ ...s, log: logs[i] ?? null })) });
    }
    for (const line of header(d, current)) println(line);
    println();
    for (const line of stepTable(d, await plannedStepNames(opts.repo, d))) println(line);
    for (const [i, s] of d.steps.entries()) {
      const sections = logSections(logs[i] ?? '');
      const outputs = Object.entries(s.outputs);
      if (sections.length === 0 && outputs.length === 0) continue;
      println();
      println(chalk.bold(`${s.step_index + 1}. ${s.step_name}`));
      for (const [k, v] of outputs) println(chalk.dim(`   output ${k}=${v}`));
      for (const { title, lines } of sections) {
        if (title) println(chalk.dim(`   ${title}`));
        const shown = opts.full ? lines : lines.slice(-LOG_TAIL);
        if (shown.length < lines.length)
          println(chalk.dim(`   … ${lines.length - shown.length} earlier lines (--full)`));
        for (const line of shown) println(GUTTER + line);
      }
    }
  });
}

/**
 * A step's log as the sections worth printing: the forward output, then (titled) the reverse
 * output, each without blank lines; a section with nothing in it is left out.
 */
export function logSections(log: string): Array<{ title: string | null; lines: string[] }> {
  const [forward = '', ...reverse] = log.split(REVERSE_LOG_SEPARATOR);
  const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
  const out: Array<{ title: string | null; lines: string[] }> = [];
  if (lines(forward).length) out.push({ title: null, lines: lines(forward) });
  const back = lines(reverse.join('\n'));
  if (back.length) out.push({ title: 'reverse:', lines: back });
  return out;
}

function header(d: DeploymentRecord, current: boolean): string[] {
  const what = d.redeploy_of ? `redeploy of ${d.redeploy_of}` : `commit ${short(d.config_commit)}`;
  const lines = [
    `${symbol(d.status)} ${chalk.bold(d.deploy_id)} ${paint(d.status)}  ${what} by ${d.author}`,
    chalk.dim(
      `chain: previous ${previousOf(d) ?? '(none)'} · replaced by ${replacedBy(d) ?? '(none)'}${current ? ` · ${d.service_id}'s current deployment` : ''}`,
    ),
  ];
  const sum = (f: (st: StepRecord) => number | null) => d.steps.reduce((t, st) => t + (f(st) ?? 0), 0);
  const forward = sum((st) => st.duration_ms);
  const reverse = sum((st) => st.reverse_duration_ms);
  const took = `steps took ${seconds(forward)}${reverse ? `, reverse actions ${seconds(reverse)}` : ''}`;
  lines.push(
    chalk.dim(
      `started ${when(d.started_time)}${d.finished_time ? ` · finished ${when(d.finished_time)}` : ''} · ${took}`,
    ),
  );
  if (d.values && Object.keys(d.values).length) {
    lines.push(
      chalk.dim(
        'values: ' +
          Object.entries(d.values)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(' '),
      ),
    );
  }
  if (d.unwind) {
    const auto =
      d.unwind.reason === 'failure' ? 'automatically, after a step failed' : `by ${who(d.unwind.author)}`;
    lines.push(chalk.yellow(`unwound ${auto} (reason ${d.unwind.reason}) at ${when(d.unwind.time)}`));
  }
  if (d.error) lines.push(chalk.red(`error: ${d.error.message.split('\n')[0]} [${d.error.code}]`));
  // The failed step's last stderr lines: why it failed, before the whole logs below.
  for (const s of d.steps) {
    if (!s.stderr_tail?.length) continue;
    lines.push(
      chalk.dim(`stderr of ${s.step_index + 1}. ${s.step_name} (last ${s.stderr_tail.length} lines):`),
    );
    for (const line of s.stderr_tail) lines.push(GUTTER + line);
  }
  return lines;
}

/** Steps with forward and reverse times, and a bar showing where the time went. */
function stepTable(d: DeploymentRecord, planned: readonly string[]): string[] {
  const total = d.steps.reduce((t, s) => t + (s.duration_ms ?? 0) + (s.reverse_duration_ms ?? 0), 0);
  const count = d.step_count ?? d.steps.length;
  const notRun = Array.from({ length: Math.max(0, count - d.steps.length) }, (_, k) => {
    const i = d.steps.length + k;
    return planned[i] ?? `step ${i + 1}`;
  });
  const nameWidth = Math.max(4, ...d.steps.map((s) => s.step_name.length), ...notRun.map((n) => n.length));
  const status = d.steps.map(statusText);
  const statusWidth = Math.max(6, ...status.map(visibleWidth));
  const lines = [
    chalk.dim(`   ${padEnd('step', nameWidth)}  ${padEnd('status', statusWidth)}  forward  reverse`),
  ];
  for (const [i, s] of d.steps.entries()) {
    lines.push(
      `${symbol(s.status)}  ${padEnd(s.step_name, nameWidth)}  ${padEnd(status[i]!, statusWidth)}  ${padEnd(ms(s.duration_ms), 8)} ${padEnd(ms(s.reverse_duration_ms), 8)} ${bar(s, total)}`.trimEnd(),
    );
  }
  for (const name of notRun) lines.push(chalk.dim(`·  ${padEnd(name, nameWidth)}  not run`));
  return lines;
}

function statusText(s: StepRecord): string {
  const extra = s.status === 'failed' && s.exit_code !== null ? ` (exit ${s.exit_code})` : '';
  // Every approval of `approvals = N`; older records have only the latest (`acked`).
  const by = s.approvals?.map((a) => who(a.by)) ?? (s.acked ? [who(s.acked.by)] : []);
  const acked = by.length ? ` (acked by ${by.join(', ')})` : '';
  return paint(s.status) + extra + acked;
}

const ms = (v: number | null): string => (v === null ? chalk.dim('-') : chalk.dim(seconds(v)));

function bar(s: StepRecord, total: number): string {
  if (total <= 0) return '';
  const fwd = Math.round(((s.duration_ms ?? 0) / total) * BAR);
  const rev = Math.round(((s.reverse_duration_ms ?? 0) / total) * BAR);
  const color = s.status === 'failed' ? chalk.red : chalk.green;
  return color('█'.repeat(Math.max(s.duration_ms ? 1 : 0, fwd))) + chalk.yellow('▒'.repeat(rev));
}
