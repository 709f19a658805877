import { act, redeploy, unwind } from './actions.js';
import { ApiError, call } from './api.js';
import { age, h, later } from './dom.js';
import { may } from './roles.js';
import { pendingView } from './pending-view.js';
import type { Deployment, PendingAnswer, ServiceStatus, WaitingAck, Whoami } from './types.js';

interface ServiceAnswer extends ServiceStatus {
  chain: Array<
    Pick<Deployment, 'deploy_id' | 'status' | 'config_commit' | 'author' | 'started_time' | 'finished_time'>
  >;
  waiting_ack: WaitingAck | null;
}

/** The pending list last drawn per service, shown while a live redraw reads it again. */
const shownPending = new Map<string, HTMLElement>();

/**
 * One service: its status, actions and its chain as `orbit log` draws it, newest first; a
 * deployment that failed or was unwound sits in its own lane, off the line of current ones.
 */
export async function servicePage(name: string, me: Whoami): Promise<HTMLElement> {
  // Not waited for (the preview loads each pending commit's config): the last list shows meanwhile.
  const pending = later(
    call<PendingAnswer>('GET', `/api/services/${name}/pending`).then(
      (p) => {
        const el = pendingView(p);
        shownPending.set(name, el);
        return el.cloneNode(true);
      },
      (err: unknown) =>
        h('p', { class: 'error' }, err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)),
    ),
    shownPending.get(name)?.cloneNode(true),
  );
  const s = await call<ServiceAnswer>('GET', `/api/services/${name}`);
  const current = s.current
    ? (await call<{ deployment: Deployment }>('GET', `/api/deployments/${s.current.id}`)).deployment
    : null;
  const deployer = may(me, 'deployer', name);
  const actions = h(
    'div',
    { class: 'actions' },
    deployer &&
      current &&
      !s.in_flight &&
      h('button', { type: 'button', onclick: () => void unwind(current) }, 'Unwind…'),
    deployer &&
      s.redeployable &&
      current &&
      h('button', { type: 'button', onclick: () => void redeploy(current) }, 'Redeploy…'),
    deployer &&
      s.sync === 'out-of-sync' &&
      h(
        'button',
        {
          type: 'button',
          onclick: () =>
            void act(
              `Sync ${name}`,
              [`deploy ${name} at the branch's newest commit`],
              'Sync',
              `/api/services/${name}/sync`,
            ),
        },
        'Sync…',
      ),
    deployer &&
      s.hold &&
      h(
        'button',
        {
          type: 'button',
          onclick: () =>
            void act(
              `Release ${name}`,
              [`lift the hold: ${s.hold!.message}`],
              'Release',
              `/api/services/${name}/release`,
            ),
        },
        'Release…',
      ),
  );
  const lane = (status: string) => (status === 'failed' || status.startsWith('unwo') ? 'off' : 'main');
  return h(
    'section',
    {},
    h('p', {}, h('a', { href: '#/' }, '← all services')),
    h(
      'div',
      { class: 'toolbar' },
      h('h1', {}, name),
      h('span', { class: `badge ${s.sync}` }, s.sync),
      h('span', { class: `badge ${s.health}` }, s.health),
    ),
    s.hold && h('p', { class: 'hold' }, `Held: ${s.hold.message}`),
    s.in_flight &&
      h(
        'p',
        {},
        'In flight: ',
        h('a', { href: `#/deployment/${s.in_flight}` }, s.in_flight),
        s.waiting_ack ? ` (waiting for approval of ${s.waiting_ack.stepName})` : '',
      ),
    actions,
    h('h2', {}, 'Pending commits'),
    h(
      'p',
      { class: 'muted' },
      'On the branch, not processed yet, oldest first; what each will do is what ',
      h('code', {}, 'orbit preview'),
      ' says.',
    ),
    pending,
    h('h2', {}, 'Chain'),
    h(
      'ol',
      { class: 'chain' },
      ...s.chain.map((d) =>
        h(
          'li',
          { class: `lane-${lane(d.status)}`, 'data-deployment': d.deploy_id },
          h('span', { class: 'dot', 'aria-hidden': 'true' }),
          h('a', { href: `#/deployment/${d.deploy_id}` }, d.deploy_id),
          ' ',
          h('span', { class: `badge ${d.status}` }, d.status),
          ` ${d.author} · ${d.config_commit?.slice(0, 8) ?? ''} · ${age(d.finished_time ?? d.started_time)}`,
        ),
      ),
    ),
  );
}
