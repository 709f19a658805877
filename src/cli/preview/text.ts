/** `orbit preview` for a terminal. */
import chalk from 'chalk';
import { formatDiagnostic } from '../../util/errors.js';
import { marker } from '../../util/secrets.js';
import { paint, short } from '../format.js';
import { argvText, msText, paramText } from './argv.js';
import { checksAndSchedule } from '../commands/plan.js';
import type { Preview, PreviewJob } from '../../engine/preview.js';
import { orderWaves } from '../../engine/dependency-order.js';
import { mapStrings, visibleControls } from './escape.js';

export function previewText(preview: Preview): string {
  // Values, keys, subjects and diagnostics come from the repository: no terminal escapes.
  const p = mapStrings(preview, visibleControls);
  const lines: string[] = [];
  const n = p.commits.length;
  lines.push(
    chalk.bold(`Preview of ${p.range}`) +
      chalk.dim(
        ` (${short(p.base)}..${short(p.head)}, ${n} commit${n === 1 ? '' : 's'}${p.stateLog ? '' : ', no state log: previous deployments unknown'})`,
      ),
  );
  if (n === 0) lines.push('', chalk.dim('nothing to merge: the range is empty'));
  for (const c of p.commits) {
    lines.push('', `${chalk.yellow(short(c.sha))} ${c.subject} ${chalk.dim(`— ${c.author}`)}`);
    if (c.jobs.length === 0) lines.push(chalk.dim('  changes no service: nothing runs'));
    const waves = orderWaves(c.jobs);
    if (waves.length > 1)
      lines.push(chalk.dim(`  order (depends_on): ${waves.map((w) => w.join(' + ')).join(', then ')}`));
    for (const job of c.jobs) lines.push(...jobText(job));
  }
  lines.push('', summary(p));
  return lines.join('\n') + '\n';
}

function jobText(job: PreviewJob): string[] {
  const name = chalk.bold(job.service);
  switch (job.action) {
    case 'deploy': {
      const out = [
        `  ${name}: ${paint('deploy', 'deploys')}${chalk.dim(` (policy ${job.policy}${job.replaces ? `, replacing ${job.replaces}` : ', first deployment'})`)}`,
      ];
      if (job.note) out.push(chalk.dim(`    ${job.note}`));
      if (job.after?.length)
        out.push(chalk.dim(`    waits for ${job.after.join(', ')} to finish (depends_on)`));
      const vars = Object.entries(job.variables).map(
        ([k, v]) => `${k}=${v.sensitive ? marker(k) : JSON.stringify(v.value)}`,
      );
      if (vars.length) out.push(chalk.dim(`    with ${vars.join(' ')}`));
      for (const s of job.steps) {
        out.push(
          `    ${s.index + 1}. ${chalk.cyan(s.name)} ${chalk.dim(`${s.agent}, timeout ${msText(s.timeoutMs)}`)}`,
        );
        for (const [k, v] of Object.entries(s.params)) out.push(`       ${k}: ${paramText(v)}`);
        for (const [k, v] of Object.entries(s.env)) out.push(`       env ${k}=${v}`);
        out.push(`       ${chalk.green('forward')} ${argvText(s.forward)}`);
        out.push(
          `       ${chalk.yellow('reverse')} ${s.reverse ? argvText(s.reverse) : chalk.dim('(none: a no-op on unwind)')}`,
        );
      }
      out.push(...checksAndSchedule(job).map((l) => (l ? `  ${l}` : l)));
      return out;
    }
    case 'unwind': {
      const what = job.deployment ?? `the deployment of ${short(job.reverted)}`;
      const out = [
        `  ${name}: ${paint('unwind', `unwinds ${what}`)}${chalk.dim(` (reverts ${short(job.reverted)})`)}`,
      ];
      if (job.note) out.push(chalk.dim(`    ${job.note}`));
      if (job.after?.length)
        out.push(chalk.dim(`    waits for the unwinds of ${job.after.join(', ')} (they depend on it)`));
      for (const s of job.steps ?? []) {
        out.push(
          `    ${s.index + 1}. ${chalk.cyan(s.name)} ${chalk.yellow('reverse')} ${s.reverse ? argvText(s.reverse) : chalk.dim('(no-op)')}`,
        );
      }
      return out;
    }
    case 'none':
      return [`  ${name}: ${chalk.dim('nothing runs')}`, chalk.dim(`    ${job.note}`)];
    case 'invalid':
      return [
        `  ${name}: ${paint('invalid', 'invalid configuration, Orbit would reject this commit')}`,
        ...job.diagnostics.map((d) => '    ' + chalk.red(formatDiagnostic(d))),
      ];
  }
}

export function summary(p: Preview): string {
  const count = (a: PreviewJob['action']) =>
    p.commits.flatMap((c) => c.jobs).filter((j) => j.action === a).length;
  const parts = [`${count('deploy')} deploy`, `${count('unwind')} unwind`];
  const invalid = count('invalid');
  if (invalid) parts.push(paint('invalid', `${invalid} invalid`));
  return (p.valid ? chalk.green('valid') : chalk.red('invalid')) + chalk.dim(': ') + parts.join(', ');
}
