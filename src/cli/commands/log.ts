import type { Command } from 'commander';
import chalk from 'chalk';
import { OrbitError } from '../../util/errors.js';
import { entryLine, printJson, println, short } from '../format.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';
import type { HistoryItem } from '../../state/types.js';

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('log')
      .argument('[service]', 'only this service')
      .description('the activity log, newest first: who deployed what, when, which steps ran, what failed')
      .option('-n, --limit <n>', 'at most this many entries', '50')
      .option('--json', 'print entries as JSON')
      .addHelpText('after', '\nExample:\n  $ orbit log waffle -n 20'),
  ).action(async (service: string | undefined, opts: RepoOptions & { json?: boolean; limit: string }) => {
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit <= 0) {
      throw new OrbitError('E_BAD_FLAG', `--limit must be a positive integer, got "${opts.limit}"`, {
        flag: '--limit',
      });
    }
    const items = await withEngine(opts, { readOnly: true }, async (engine) => {
      const out: HistoryItem[] = [];
      for await (const item of engine.state.history({ service, limit })) out.push(item);
      return out;
    });
    if (opts.json) return printJson(items);
    for (const { sha, entry } of items) {
      println(
        `${chalk.yellow(short(sha))} ${chalk.dim(entry.applied_time.replace('T', ' ').slice(0, 19))} ${entryLine(entry)}`,
      );
    }
  });
}
