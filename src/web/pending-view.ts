import { h } from './dom.js';
import type { PendingAnswer, PreviewJob } from './types.js';

const args = (a: string[] | null): string => (a ? a.join(' ') : '(no reverse: nothing runs)');

/** What one job of a pending commit will do, as `orbit preview` prints it. */
function job(j: PreviewJob): HTMLElement {
  if (j.action === 'deploy')
    return h(
      'div',
      { class: 'job', 'data-action': 'deploy' },
      h(
        'p',
        {},
        `deploys ${j.predicted ?? 'a new deployment'}`,
        j.replaces ? `, replacing ${j.replaces}` : '',
      ),
      j.note && h('p', { class: 'muted' }, j.note),
      h(
        'ol',
        { class: 'will-run' },
        ...j.steps.map((s) => h('li', {}, h('code', {}, `${s.name} — ${s.agent}: ${args(s.forward)}`))),
      ),
    );
  if (j.action === 'unwind')
    return h(
      'div',
      { class: 'job', 'data-action': 'unwind' },
      h('p', {}, `unwinds ${j.deployment ?? j.predicted ?? 'the deployment it reverts'}`),
      j.note && h('p', { class: 'muted' }, j.note),
      j.steps &&
        h(
          'ol',
          { class: 'will-run' },
          ...j.steps.map((s) => h('li', {}, h('code', {}, `${s.name} — ${s.agent}: ${args(s.reverse)}`))),
        ),
    );
  if (j.action === 'invalid')
    return h(
      'div',
      { class: 'job', 'data-action': 'invalid' },
      h('p', { class: 'error' }, 'is rejected: its config is invalid'),
      h(
        'ul',
        {},
        ...j.diagnostics.map((d) =>
          h('li', {}, h('code', {}, `${d.file}:${d.line}:${d.column}: ${d.message} [${d.code}]`)),
        ),
      ),
    );
  return h('div', { class: 'job', 'data-action': 'none' }, h('p', {}, j.note));
}

/** The commits on the branch that Orbit has not processed for the service, oldest first. */
export function pendingView(p: PendingAnswer): HTMLElement {
  if (p.commits.length === 0)
    return h('p', { class: 'muted', 'data-pending': '0' }, 'None: the branch is processed.');
  return h(
    'ol',
    { class: 'pending', 'data-pending': p.commits.length },
    ...p.commits.map((c) =>
      h(
        'li',
        { 'data-sha': c.sha },
        h('code', {}, c.sha.slice(0, 8)),
        ` ${c.subject} · ${c.author}`,
        ...c.jobs.map(job),
      ),
    ),
  );
}
