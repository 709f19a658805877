import { h } from './dom.js';
import type { Action } from './types.js';

/** An action as `orbit show` prints it: the agent and its arguments. */
export const actionText = (a: Action | null): string =>
  a ? `${a.agent}: ${a.args.length ? a.args.join(' ') : JSON.stringify(a.params)}` : '(none)';

/**
 * Asks before an action runs, saying exactly what will run; resolves true on confirm. A modal
 * <dialog>: focus is trapped in it and Escape cancels.
 */
export function confirmAction(title: string, lines: string[], verb: string): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(ok);
    };
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-label': title },
      h('h2', {}, title),
      h('ol', { class: 'will-run' }, ...lines.map((l) => h('li', {}, h('code', {}, l)))),
      h(
        'div',
        { class: 'buttons' },
        h('button', { type: 'button', onclick: () => done(false) }, 'Cancel'),
        h('button', { type: 'button', class: 'danger', 'data-confirm': '', onclick: () => done(true) }, verb),
      ),
    );
    dialog.addEventListener('cancel', () => done(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}
