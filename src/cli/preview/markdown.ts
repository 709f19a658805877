/** `orbit preview --format markdown`: a comment a CI job posts on the pull request (GitHub-flavoured). */
import { checkLine } from '../../engine/checks/summary.js';
import { scheduleLines } from '../../engine/schedule/summary.js';
import { formatDiagnostic } from '../../util/errors.js';
import { argvText, paramText } from './argv.js';
import type { Preview, PreviewJob } from '../../engine/preview.js';
import { orderWaves } from '../../engine/dependency-order.js';
import { mdCode, mdFence, mdText } from './escape.js';

// Everything below that came from the repository (names, values, keys, subjects, diagnostics)
// goes through these: the pull request's author writes it (docs/security.md).
const code = (s: string): string => mdCode(s);
const sha7 = (s: string): string => s.slice(0, 7);
/** Text inside a table cell or a heading: escaped, one line. */
const cell = (s: string): string => mdText(s);

export function previewMarkdown(p: Preview): string {
  const out: string[] = [];
  const all = p.commits.flatMap((c) => c.jobs);
  const n = (a: PreviewJob['action']) => all.filter((j) => j.action === a).length;
  out.push(`### Orbit preview: ${mdCode(p.range, false)}`, '');
  out.push(
    `${p.valid ? '✅ valid' : '❌ **invalid configuration**'} · ${p.commits.length} commit(s) · ${n('deploy')} deploy · ${n('unwind')} unwind${n('invalid') ? ` · ${n('invalid')} invalid` : ''}${p.stateLog ? '' : ' · _no state log: previous deployments unknown_'}`,
    '',
  );
  for (const c of p.commits) {
    out.push(`#### ${code(sha7(c.sha))} ${cell(c.subject)}`, '', `_by ${cell(c.author)}_`, '');
    if (c.jobs.length === 0) out.push('Changes no service: nothing runs.', '');
    const waves = orderWaves(c.jobs);
    if (waves.length > 1)
      out.push(`Order (depends_on): ${waves.map((w) => w.map(code).join(' + ')).join(', then ')}`, '');
    for (const job of c.jobs) out.push(...jobMarkdown(job), '');
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}

function jobMarkdown(job: PreviewJob): string[] {
  switch (job.action) {
    case 'deploy': {
      const out = [
        `**${cell(job.service)}** deploys (policy ${code(job.policy)}${job.replaces ? `, replacing ${code(job.replaces)}` : ', first deployment'})`,
      ];
      if (job.note) out.push('', `> ${cell(job.note)}`);
      out.push('', '| # | step | agent | forward | reverse |', '| - | - | - | - | - |');
      for (const s of job.steps) {
        const params = Object.entries(s.params).map(([k, v]) => `${k}: ${paramText(v)}`);
        const agent = [s.agent, ...params].map((x) => code(x)).join('<br>');
        out.push(
          `| ${s.index + 1} | ${cell(s.name)} | ${agent} | ${code(argvText(s.forward))} | ${s.reverse ? code(argvText(s.reverse)) : '_no-op_'} |`,
        );
      }
      const last = job.steps.at(-1)?.name ?? null;
      for (const c of job.checks ?? []) out.push('', `Check ${code(checkLine(c, last))}`);
      if (job.schedule) out.push('', `Schedule: ${scheduleLines(job.schedule).map(code).join(' · ')}`);
      return out;
    }
    case 'unwind': {
      const out = [
        `**${cell(job.service)}** unwinds ${job.deployment ? code(job.deployment) : `the deployment of ${code(sha7(job.reverted))}`} (reverts ${code(sha7(job.reverted))})`,
      ];
      if (job.note) out.push('', `> ${cell(job.note)}`);
      if (job.steps?.length) {
        out.push('', '| # | step | reverse, in this order |', '| - | - | - |');
        for (const s of job.steps)
          out.push(
            `| ${s.index + 1} | ${cell(s.name)} | ${s.reverse ? code(argvText(s.reverse)) : '_no-op_'} |`,
          );
      }
      return out;
    }
    case 'none':
      return [`**${cell(job.service)}**: nothing runs. ${cell(job.note)}`];
    case 'invalid':
      return [
        `**${cell(job.service)}**: ❌ invalid configuration; Orbit would reject this commit:`,
        '',
        ...mdFence(job.diagnostics.map(formatDiagnostic)),
      ];
  }
}
