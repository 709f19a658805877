import type { Command } from 'commander';
import chalk from 'chalk';
import { OrbitError } from '../../util/errors.js';
import { duration, paint, printJson, println, short } from '../format.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('show')
      .argument('<deployment>', 'a deployment id such as waffle-12')
      .description('one deployment: its chain, each step with timings, outputs and logs')
      .option('--json', 'print the deployment record with step logs as JSON')
      .addHelpText('after', '\nExample:\n  $ orbit show waffle-12'),
  ).action(async (id: string, opts: RepoOptions & { json?: boolean }) => {
    const result = await withEngine(opts, { readOnly: true }, async (engine) => {
      const record = await engine.state.deployment(id);
      if (!record)
        throw new OrbitError('E_UNKNOWN_DEPLOYMENT', `no deployment ${id} in the log`, { deployId: id });
      const logs = await Promise.all(record.steps.map((s) => engine.state.stepLog(id, s.step_index)));
      return { record, logs };
    });
    const { record: d, logs } = result;
    if (opts.json) {
      return printJson({ ...d, steps: d.steps.map((s, i) => ({ ...s, log: logs[i] ?? null })) });
    }
    println(`${chalk.bold(d.deploy_id)} ${paint(d.status)}  commit ${short(d.config_commit)} by ${d.author}`);
    println(
      chalk.dim(
        `previous ${d.previous_deploy_id ?? '-'}  next ${d.next_deploy_id ?? '-'}${d.redeploy_of ? `  redeploy of ${d.redeploy_of}` : ''}  started ${d.started_time}`,
      ),
    );
    if (d.unwind)
      println(chalk.yellow(`unwound: ${d.unwind.reason} by ${d.unwind.author} at ${d.unwind.time}`));
    if (d.error) println(chalk.red(`error: ${d.error.message}`));
    for (const [i, s] of d.steps.entries()) {
      println(`  ${s.step_index + 1}. ${s.step_name} ${paint(s.status)} ${duration(s.duration_ms)}`);
      for (const [k, v] of Object.entries(s.outputs)) println(chalk.dim(`     ${k}=${v}`));
      const log = logs[i];
      if (log) for (const line of log.trimEnd().split('\n').slice(-20)) println(chalk.dim(`     | ${line}`));
    }
  });
}
