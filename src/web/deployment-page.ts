import { act, redeploy, unwind } from './actions.js';
import { ApiError, call } from './api.js';
import { actionText } from './confirm.js';
import { diffView } from './diff-view.js';
import { h, later, span } from './dom.js';
import { may } from './roles.js';
import type { ConfigDiff, Deployment, HistoryItem, Step, WaitingAck, Whoami } from './types.js';

const RUNNING = new Set(['started', 'reversing']);
/** How many of the service's newest state entries the page reads for a deployment's entry list. */
const HISTORY = 200;

/** A step's bar on the timeline: where it starts and how long it ran, as shares of the whole. */
function bar(d: Deployment, s: Step, now: number): HTMLElement {
  const t0 = Date.parse(d.started_time);
  const end = d.finished_time ? Date.parse(d.finished_time) : now;
  const total = Math.max(1, end - t0);
  const start = Date.parse(s.started_time) - t0;
  const running = RUNNING.has(s.status);
  const length = running ? now - Date.parse(s.started_time) : (s.duration_ms ?? 0);
  // Set through the CSSOM: the page's CSP refuses inline style attributes.
  const el = h('div', { class: `bar ${s.status}` });
  el.style.left = `${((100 * start) / total).toFixed(2)}%`;
  el.style.width = `${Math.max(0.5, (100 * length) / total).toFixed(2)}%`;
  return h('div', { class: 'track' }, el);
}

const duration = (s: Step) =>
  RUNNING.has(s.status)
    ? h(
        'span',
        { class: 'elapsed', 'data-since': s.started_time },
        span(Date.now() - Date.parse(s.started_time)),
      )
    : s.duration_ms === null
      ? ''
      : `${(s.duration_ms / 1000).toFixed(1)} s`;

function stepRow(d: Deployment, s: Step, now: number): HTMLElement {
  return h(
    'li',
    { class: `step ${s.status}`, 'data-step': s.step_name },
    h(
      'div',
      { class: 'step-head' },
      h('strong', {}, `${s.step_index}. ${s.step_name}`),
      h('span', { class: `badge ${s.status}` }, s.status),
      h('span', { class: 'agent' }, s.agent),
      h('span', { class: 'duration' }, duration(s)),
    ),
    bar(d, s, now),
    h(
      'details',
      {},
      h('summary', {}, 'Actions, outputs, log'),
      h(
        'dl',
        {},
        h('dt', {}, 'Forward'),
        h('dd', {}, h('code', {}, actionText(s.forward_action))),
        h('dt', {}, 'Reverse (recorded)'),
        h('dd', {}, h('code', {}, actionText(s.reverse_action))),
      ),
      Object.keys(s.outputs).length > 0 &&
        h(
          'dl',
          { class: 'outputs' },
          ...Object.entries(s.outputs).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, h('code', {}, v))]),
        ),
      s.error && h('p', { class: 'error' }, `${s.error.code}: ${s.error.message}`),
      // Logs are masked by the daemon before they are written (sensitive values never reach the state branch).
      s.log ? h('pre', { class: 'log' }, s.log) : h('p', { class: 'muted' }, 'no log'),
    ),
  );
}

/**
 * A deployment's config diff never changes: read once per deployment, not on every live update,
 * and never waited for by the rest of the page (the daemon loads two configs to build it).
 */
const diffs = new Map<string, ConfigDiff>();
function diffSection(id: string): HTMLElement {
  const known = diffs.get(id);
  if (known) return diffView(known);
  return later(
    call<ConfigDiff>('GET', `/api/deployments/${id}/diff`).then(
      (x) => (diffs.set(id, x), diffView(x)),
      (err: unknown) =>
        h('p', { class: 'error' }, err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)),
    ),
  );
}

/** One deployment as `orbit show` prints it, its steps on a timeline, live while it runs. */
export async function deploymentPage(id: string, me: Whoami): Promise<HTMLElement> {
  const { deployment: d, waiting_ack } = await call<{
    deployment: Deployment;
    waiting_ack: WaitingAck | null;
  }>('GET', `/api/deployments/${id}`);
  const diff = diffSection(id);
  const history = await call<{ entries: HistoryItem[] }>(
    'GET',
    `/api/services/${d.service_id}/history?limit=${HISTORY}`,
  );
  // Oldest first, as they were written.
  const entries = history.entries.filter((e) => e.entry.deploy_id === id).reverse();
  const now = Date.now();
  const deployer = may(me, 'deployer', d.service_id);
  const approve =
    waiting_ack &&
    may(me, 'approver', d.service_id) &&
    h(
      'button',
      {
        type: 'button',
        class: 'primary',
        onclick: () =>
          void act(
            `Approve ${waiting_ack.stepName} of ${d.deploy_id}`,
            [`${waiting_ack.stepName} is approved as ${me.name}; the deployment goes on with its next steps`],
            'Approve',
            `/api/deployments/${d.deploy_id}/ack`,
          ),
      },
      `Approve ${waiting_ack.stepName}…`,
    );
  const checks = Object.entries(d.checks ?? {});
  return h(
    'section',
    {},
    h('p', {}, h('a', { href: `#/service/${d.service_id}` }, `← ${d.service_id}`)),
    h(
      'div',
      { class: 'toolbar' },
      h('h1', {}, d.deploy_id),
      h('span', { class: `badge ${d.status}`, 'data-status': d.status }, d.status),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Commit'),
      h('dd', {}, h('code', {}, d.config_commit ?? '—')),
      h('dt', {}, 'Author'),
      h('dd', {}, d.author),
      h('dt', {}, 'Started'),
      h('dd', {}, d.started_time),
      h('dt', {}, 'Chain'),
      h(
        'dd',
        {},
        d.previous_deploy_id
          ? h('a', { href: `#/deployment/${d.previous_deploy_id}` }, `← ${d.previous_deploy_id}`)
          : 'first',
        ' · ',
        d.replaced_by ? h('a', { href: `#/deployment/${d.replaced_by}` }, `${d.replaced_by} →`) : 'newest',
      ),
      h('dt', {}, 'Reproduce'),
      h(
        'dd',
        {},
        h('code', {}, `orbit show ${d.deploy_id}`),
        ' · ',
        h('code', {}, `git show ${d.config_commit?.slice(0, 12) ?? ''}`),
      ),
    ),
    d.error && h('p', { class: 'error' }, `${d.error.code}: ${d.error.message}`),
    h(
      'div',
      { class: 'actions' },
      approve,
      deployer &&
        d.status === 'succeeded' &&
        h('button', { type: 'button', onclick: () => void unwind(d) }, 'Unwind…'),
      deployer &&
        d.status !== 'running' &&
        h('button', { type: 'button', onclick: () => void redeploy(d) }, 'Redeploy…'),
    ),
    h('h2', {}, 'Steps'),
    h('ol', { class: 'steps' }, ...d.steps.map((s) => stepRow(d, s, now))),
    h('h2', {}, 'Config diff from the previous deployment'),
    diff,
    h('h2', {}, 'State entries'),
    h(
      'ol',
      { class: 'entries' },
      ...entries.map((e) =>
        h(
          'li',
          { 'data-sha': e.sha },
          h('code', {}, `git show ${e.sha}`),
          ` ${e.entry.kind}${e.entry.step_name ? ` ${e.entry.step_name}` : ''} · ${e.entry.applied_time}`,
        ),
      ),
    ),
    h('p', { class: 'muted' }, `Among the newest ${HISTORY} entries of ${d.service_id} on the state branch.`),
    checks.length > 0 && h('h2', {}, 'Checks'),
    checks.length > 0 &&
      h(
        'dl',
        { class: 'checks' },
        ...checks.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, h('code', {}, JSON.stringify(v)))]),
      ),
  );
}
