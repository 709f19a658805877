import { ApiError, call } from './api.js';
import { actionText, confirmAction } from './confirm.js';
import { h } from './dom.js';
import type { Deployment } from './types.js';

/** Where the outcome of an action is said (role="status" so screen readers hear it). */
export const notice = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite' });

export function say(text: string, kind: 'ok' | 'error'): void {
  notice.className = `notice ${kind}`;
  notice.textContent = text;
}

/**
 * Confirms, then calls the API route; a refusal is shown with its code and message. Resolves
 * after the call, whatever its outcome.
 */
export async function act(
  title: string,
  lines: string[],
  verb: string,
  path: string,
  body: unknown = {},
): Promise<void> {
  if (!(await confirmAction(title, lines, verb))) return;
  try {
    await call('POST', path, body);
    say(`${title}: done`, 'ok');
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError(0, 'E_DAEMON_UNREACHABLE', (err as Error).message);
    say(`${e.code}: ${e.message}`, 'error');
  }
}

/** What an unwind of `d` runs: the recorded reverse actions of its applied steps, last first. */
export const unwindPlan = (d: Deployment): string[] => {
  const lines = d.steps
    .filter((s) => s.status === 'applied' || s.status === 'failed')
    .filter((s) => s.reverse_action)
    .sort((a, b) => b.step_index - a.step_index)
    .map((s) => `${s.step_name} — ${actionText(s.reverse_action)}`);
  return lines.length ? lines : ['(no recorded reverse actions: nothing runs)'];
};

export const unwind = (d: Deployment): Promise<void> =>
  act(`Unwind ${d.deploy_id}`, unwindPlan(d), 'Unwind', `/api/services/${d.service_id}/unwind`, {
    deployment: d.deploy_id,
  });

/** What re-applying `d` runs: its recorded forward actions, in order. */
export const redeploy = (d: Deployment): Promise<void> =>
  act(
    `Redeploy ${d.deploy_id} as a new deployment of ${d.service_id}`,
    d.steps.map((s) => `${s.step_name} — ${actionText(s.forward_action)}`),
    'Redeploy',
    `/api/services/${d.service_id}/redeploy`,
  );
