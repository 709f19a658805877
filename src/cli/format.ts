/** How the CLI shows entries and deployments to people. Colour follows chalk's detection (NO_COLOR, TTY). */
import chalk from 'chalk';
import { headline } from '../state/entry-codec.js';
import type { DeploymentStatus, EventKind, LogEntry } from '../state/types.js';

const GOOD = new Set<string>(['step-applied', 'deploy-succeeded', 'succeeded', 'step-acked', 'in-sync']);
const BAD = new Set<string>([
  'step-failed',
  'step-reverse-failed',
  'unwind-failed',
  'commit-rejected',
  'failed',
  'rejected',
  'unwind-failed',
  'drift',
]);
const BACK = new Set<string>([
  'step-reversed',
  'deploy-unwound',
  'deploy-skipped',
  'unwound',
  'skipped',
  'unwinding',
]);

export function paint(word: EventKind | DeploymentStatus | string, text: string = word): string {
  if (GOOD.has(word)) return chalk.green(text);
  if (BAD.has(word)) return chalk.red(text);
  if (BACK.has(word)) return chalk.yellow(text);
  return chalk.dim(text);
}

export function entryLine(entry: LogEntry): string {
  return paint(entry.kind, headline(entry));
}

export const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : '-');

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return chalk.dim(ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${Math.round(ms / 1000)}s`);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function println(line = ''): void {
  process.stdout.write(line + '\n');
}
