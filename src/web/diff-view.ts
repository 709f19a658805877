import { h } from './dom.js';
import type { ConfigDiff } from './types.js';

const lineClass = (l: string): string =>
  l.startsWith('+++') || l.startsWith('---')
    ? 'file'
    : l.startsWith('@@')
      ? 'hunk'
      : l.startsWith('+')
        ? 'add'
        : l.startsWith('-')
          ? 'del'
          : 'ctx';

/**
 * The config diff from the previous deployment, as the daemon built it (sensitive values already
 * masked there: the page never receives them), with the git command that prints it unmasked.
 */
export function diffView(d: ConfigDiff): HTMLElement {
  if (!d.command) return h('p', { class: 'muted' }, 'Not deployed from a config commit: no diff.');
  const lines = d.patch.split('\n').filter((l, i, all) => l || i < all.length - 1);
  return h(
    'div',
    { class: 'config-diff' },
    h(
      'p',
      { class: 'muted' },
      d.previous ? `Since ${d.previous} (` : 'A first deployment: everything is new (',
      h('code', {}, d.command),
      ' prints it with the sensitive values).',
    ),
    d.files.length === 0
      ? h('p', { class: 'muted' }, 'No file of the service changed (a redeploy, or a change elsewhere).')
      : h(
          'pre',
          { class: 'diff', tabindex: 0, 'aria-label': 'Config diff' },
          ...lines.map((l) => h('span', { class: lineClass(l) }, `${l}\n`)),
        ),
  );
}
