/**
 * Output while deployments run. In a terminal: a live step list per running deployment, with a
 * spinner and elapsed times, redrawn in place (plain ANSI: erase the block, draw it again); a
 * finished deployment is printed once, for good. Elsewhere (pipes, CI, tests): one stable line per
 * log entry, exactly the entry's headline.
 */
import { stripVTControlCharacters } from 'node:util';
import chalk from 'chalk';
import type { LogEntry } from '../../state/types.js';
import { entryLine, holdForThisTurn, paint, seconds, type Holdable } from '../format.js';
import { Board, type LiveDeployment, type LiveStep } from './board.js';

export interface LiveStream extends Holdable {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface LiveOutput {
  observe(entry: LogEntry): void;
  /** Stops the spinner and leaves the terminal as it was. Safe to call twice. */
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK_MS = 80;

export function liveOutput(
  stream: LiveStream = process.stdout,
  options: { live?: boolean; now?: () => number } = {},
): LiveOutput {
  const live = options.live ?? (stream.isTTY === true && !process.env.CI);
  if (!live) {
    return {
      observe: (e) => {
        if (e.kind === 'commit-seen') return;
        holdForThisTurn(stream);
        stream.write(entryLine(e) + '\n');
        for (const line of stderrLines(e.stderr_tail ?? [], '  ')) stream.write(line + '\n');
      },
      stop: () => undefined,
    };
  }
  return new TerminalBoard(stream, options.now ?? Date.now);
}

class TerminalBoard implements LiveOutput {
  private readonly board = new Board();
  private drawn = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly restore = (): void => {
    this.stream.write('\x1b[?25h');
  };

  constructor(
    private readonly stream: LiveStream,
    private readonly now: () => number,
  ) {}

  observe(e: LogEntry): void {
    if (this.stopped || e.kind === 'commit-seen') return;
    const done = this.board.apply(e, this.now());
    const lines: string[] = [];
    if (done) lines.push(...renderDeployment(done, null, this.now()));
    else if (!e.deploy_id || e.kind === 'deploy-skipped' || e.kind === 'dependency-skipped')
      lines.push(entryLine(e));
    this.redraw(lines);
    if (this.board.active.size > 0 && !this.timer) {
      this.stream.write('\x1b[?25l');
      process.once('exit', this.restore);
      this.timer = setInterval(() => this.redraw([]), TICK_MS);
      this.timer.unref();
    } else if (this.board.active.size === 0) this.idle();
  }

  stop(): void {
    if (this.stopped) return;
    this.redraw([]);
    this.idle();
    this.stopped = true;
  }

  private idle(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.restore();
    process.removeListener('exit', this.restore);
  }

  /** Erases the live block, prints `permanent` above it, draws the block again. */
  private redraw(permanent: string[]): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const block: string[] = [];
    for (const d of this.board.active.values())
      block.push(...renderDeployment(d, FRAMES[this.frame]!, this.now()));
    let out = this.drawn > 0 ? `\r\x1b[${this.drawn}A\x1b[J` : '';
    for (const line of permanent) out += line + '\n';
    // A wrapped line would break the count of lines to erase: cut at the terminal's width.
    for (const line of block) out += fit(line, width) + '\n';
    this.drawn = block.length;
    if (out) this.stream.write(out);
  }
}

function fit(line: string, width: number): string {
  const plain = stripVTControlCharacters(line);
  return plain.length <= width ? line : plain.slice(0, width - 1) + '…';
}

const PHASE_WORD: Record<LiveDeployment['phase'], string> = {
  deploying: 'deploying',
  unwinding: 'unwinding',
  succeeded: 'deployed',
  failed: 'failed, unwound',
  unwound: 'unwound',
  'unwind-failed': 'unwind failed',
};

const PHASE_PAINT: Record<LiveDeployment['phase'], string> = {
  deploying: 'running',
  unwinding: 'unwinding',
  succeeded: 'succeeded',
  failed: 'failed',
  unwound: 'unwound',
  'unwind-failed': 'unwind-failed',
};

/** A deployment as a header and one line per step; `spinner` null means finished. */
export function renderDeployment(d: LiveDeployment, spinner: string | null, now: number): string[] {
  const elapsed = spinner ? chalk.dim(` ${seconds(now - d.since)}`) : '';
  const head = spinner ? chalk.cyan(spinner) : finalSymbol(d.phase);
  const lines = [
    `${head} ${chalk.bold(d.id)} ${paint(PHASE_PAINT[d.phase], PHASE_WORD[d.phase])} ${chalk.dim(d.title)}${elapsed}`,
  ];
  const total = d.stepCount ?? d.steps.length;
  for (const s of d.steps) {
    lines.push('  ' + stepLine(s, total, spinner, now));
    if (s.status === 'failed' || s.status === 'reverse-failed')
      lines.push(...stderrLines(s.stderrTail, '    '));
  }
  if (spinner && d.phase === 'deploying' && total > d.steps.length) {
    const rest = total - d.steps.length;
    lines.push(chalk.dim(`  · ${rest} more step${rest === 1 ? '' : 's'}`));
  }
  if (!spinner && d.error) lines.push('  ' + chalk.red(d.error));
  return lines;
}

/** A failed run's last stderr lines under its step, in a gutter so they read as quoted output. */
function stderrLines(tail: readonly string[], indent: string): string[] {
  return tail.map((line) => indent + chalk.dim('│ ') + line);
}

function finalSymbol(phase: LiveDeployment['phase']): string {
  if (phase === 'succeeded') return chalk.green('✓');
  if (phase === 'unwound') return chalk.yellow('↩');
  return chalk.red('✗');
}

function stepLine(s: LiveStep, total: number, spinner: string | null, now: number): string {
  const label = `${s.index + 1}/${total} ${s.name}`;
  const t = (ms: number | null): string => (ms === null ? '' : chalk.dim(` ${seconds(ms)}`));
  switch (s.status) {
    case 'running':
      return spinner
        ? `${chalk.cyan(spinner)} ${label}${chalk.dim(` ${seconds(now - s.since)}`)}`
        : `${chalk.dim('…')} ${label} ${chalk.dim('interrupted')}`;
    case 'applied':
      return `${chalk.green('✓')} ${label}${t(s.durationMs)}`;
    case 'failed':
      return `${chalk.red('✗')} ${label} ${chalk.red('failed')}${t(s.durationMs)}`;
    case 'reversing':
      return spinner
        ? `${chalk.yellow(spinner)} ${label} ${chalk.yellow('reversing')}${chalk.dim(` ${seconds(now - s.since)}`)}`
        : `${chalk.green('✓')} ${label}${t(s.durationMs)}`;
    case 'reversed':
      return `${chalk.yellow('↩')} ${label} ${chalk.yellow('reversed')}${t(s.reverseMs)}`;
    case 'reverse-failed':
      return `${chalk.red('✗')} ${label} ${chalk.red('reverse failed')}${t(s.reverseMs)}`;
  }
}
