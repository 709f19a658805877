/** How the CLI shows entries and deployments to people. Colour follows chalk's detection (NO_COLOR, TTY). */
import { stripVTControlCharacters } from 'node:util';
import chalk from 'chalk';
import { headline } from '../state/entry-codec.js';
import type { DeploymentStatus, EventKind, LogEntry, StepStatus } from '../state/types.js';

const GOOD = new Set<string>([
  'step-applied',
  'deploy-succeeded',
  'succeeded',
  'applied',
  'step-acked',
  'in-sync',
  'deploy',
  'ok',
]);
const BAD = new Set<string>([
  'step-failed',
  'step-reverse-failed',
  'unwind-failed',
  'unwind-blocked',
  'commit-rejected',
  'failed',
  'reverse-failed',
  'rejected',
  'invalid',
  'drift',
]);
const BACK = new Set<string>([
  'step-reversed',
  'reverse-started',
  'reversing',
  'deploy-unwound',
  'deploy-skipped',
  'dependency-skipped',
  'unwind-started',
  'unwound',
  'reversed',
  'skipped',
  'unwinding',
  'unwind',
]);
const BUSY = new Set<string>(['running', 'started', 'step-started', 'deploy-started']);

/** Green applied, red failed, yellow unwound, cyan running, dim for the rest. */
export function paint(word: EventKind | DeploymentStatus | StepStatus | string, text: string = word): string {
  if (GOOD.has(word)) return chalk.green(text);
  if (BAD.has(word)) return chalk.red(text);
  if (BACK.has(word)) return chalk.yellow(text);
  if (BUSY.has(word)) return chalk.cyan(text);
  return chalk.dim(text);
}

/** One character per state, so a column of them reads at a glance (also without colour). */
export function symbol(status: DeploymentStatus | StepStatus | string): string {
  switch (status) {
    case 'succeeded':
    case 'applied':
      return paint(status, '✓');
    case 'failed':
    case 'rejected':
    case 'unwind-failed':
    case 'unwind-blocked':
    case 'reverse-failed':
      return paint(status, '✗');
    case 'unwound':
    case 'reversed':
    case 'reversing':
    case 'unwinding':
      return paint(status, '↩');
    case 'skipped':
      return paint(status, '»');
    case 'running':
    case 'started':
      return paint(status, '…');
    default:
      return chalk.dim('·');
  }
}

export function entryLine(entry: LogEntry): string {
  return paint(entry.kind, headline(entry));
}

export const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : '-');

/** Seconds with two decimals below 10 s, whole seconds above, minutes past 2 minutes. Undimmed. */
export function seconds(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return chalk.dim(seconds(ms));
}

/** `2026-05-01 14:03:12` from an ISO time, in UTC like the log. */
export function when(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').slice(0, 19) : '-';
}

/** `Ann` from `Ann Operator <ann@example.com>`: the log keeps the full form. */
export function who(author: string): string {
  const name = author.replace(/\s*<[^>]*>\s*$/, '').trim();
  return name || author;
}

/** The visible width of a string that may hold ANSI colour codes. */
export function visibleWidth(text: string): number {
  return stripVTControlCharacters(text).length;
}

/** Pads to a visible width (colour codes do not count). */
export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleWidth(text)));
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A stream that can hold writes back (a Writable, as process.stdout is). */
export interface Holdable {
  cork?(): void;
  uncork?(): void;
}

const held = new WeakSet<Holdable>();

/**
 * Holds what is written to `stream` until this turn of the event loop is over, then writes it at
 * once: a table of 10,000 lines reaches a pipe in one write, not 10,000 (42 → 7 ms), and an
 * append's entries (a step's result, the next step's start) in one. Everything written meanwhile,
 * from anywhere, queues in order behind it.
 */
export function holdForThisTurn(stream: Holdable): void {
  if (held.has(stream) || !stream.cork || !stream.uncork) return;
  held.add(stream);
  stream.cork();
  process.nextTick(() => {
    held.delete(stream);
    stream.uncork!();
  });
}

export function println(line = ''): void {
  holdForThisTurn(process.stdout);
  process.stdout.write(line + '\n');
}
