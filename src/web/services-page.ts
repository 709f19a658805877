import { call } from './api.js';
import { age, h } from './dom.js';
import type { ServiceStatus, WaitingAck } from './types.js';

interface ServicesAnswer {
  services: ServiceStatus[];
  waiting_acks: WaitingAck[];
}

/**
 * Every service the caller may read, as `orbit status` lists them, with a filter over name, sync,
 * health and author. Rows are plain table rows built once per update: 1,000 of them is a few
 * milliseconds of DOM work.
 */
export async function servicesPage(filter: { text: string }): Promise<HTMLElement> {
  const { services, waiting_acks } = await call<ServicesAnswer>('GET', '/api/services');
  const waiting = new Map(waiting_acks.map((w) => [w.deployId, w]));
  const body = h('tbody');
  const render = () => {
    const t0 = performance.now();
    const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = services.filter((s) => {
      const hay =
        `${s.service} ${s.sync} ${s.health} ${s.current?.author ?? ''} ${s.hold ? 'held' : ''}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    });
    body.replaceChildren(
      ...rows.map((s) => {
        const ack = s.in_flight ? waiting.get(s.in_flight) : undefined;
        return h(
          'tr',
          { 'data-service': s.service },
          h('td', {}, h('a', { href: `#/service/${s.service}` }, s.service)),
          h('td', {}, h('span', { class: `badge ${s.sync}` }, s.sync)),
          h('td', {}, h('span', { class: `badge ${s.health}` }, s.health)),
          h('td', {}, s.current ? h('a', { href: `#/deployment/${s.current.id}` }, s.current.id) : '—'),
          h('td', {}, s.current?.author ?? ''),
          h('td', {}, age(s.current?.finished_time)),
          h('td', {}, s.hold ? h('span', { class: 'badge held', title: s.hold.message }, 'held') : ''),
          h(
            'td',
            {},
            s.in_flight
              ? h('a', { href: `#/deployment/${s.in_flight}` }, ack ? `waiting: ${ack.stepName}` : 'running')
              : '',
          ),
        );
      }),
    );
    count.textContent = `${rows.length} of ${services.length} services`;
    performance.measure('orbit-rows', { start: t0 });
    // Observers see it; the page's buffer keeps none (it stays open for days).
    performance.clearMeasures('orbit-rows');
  };
  const count = h('span', { class: 'count' });
  const search = h('input', {
    type: 'search',
    // Kept across the redraws the live stream causes (main.ts refocuses by id).
    id: 'filter',
    placeholder: 'Filter: name, sync, health, author, held',
    'aria-label': 'Filter services',
    value: filter.text,
    oninput: (e: Event) => {
      filter.text = (e.target as HTMLInputElement).value;
      render();
    },
  });
  render();
  return h(
    'section',
    {},
    h('div', { class: 'toolbar' }, h('h1', {}, 'Services'), search, count),
    h(
      'table',
      { class: 'services' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Service', 'Sync', 'Health', 'Current', 'Author', 'Age', 'Hold', 'In flight'].map((c) =>
            h('th', {}, c),
          ),
        ),
      ),
      body,
    ),
  );
}
