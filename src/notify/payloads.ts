/**
 * What each target type receives: Slack-compatible incoming-webhook messages (text + blocks), the
 * generic JSON body (signed by `sign`), and the exec target's stdin. Plain data, no I/O.
 */
import type { NotifyEventFields } from '../config/notify-spec.js';

/** Slack's mrkdwn treats &, < and > as control characters (links, mentions). */
const escapeSlack = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const FIELD_LABELS: Array<[keyof NotifyEventFields, string]> = [
  ['service', 'Service'],
  ['version', 'Version'],
  ['author', 'Who'],
  ['deployment', 'Deployment'],
  ['step', 'Step'],
  ['error', 'What failed'],
];

export function slackPayload(fields: NotifyEventFields, message: string): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: escapeSlack(message) } },
    {
      type: 'section',
      fields: FIELD_LABELS.filter(([k]) => fields[k] !== '').map(([k, label]) => ({
        type: 'mrkdwn',
        text: `*${label}*\n${escapeSlack(fields[k]).slice(0, 1900)}`,
      })),
    },
  ];
  if (fields.link)
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Orbit' }, url: fields.link }],
    });
  // `text` is the fallback for notifications and clients without blocks.
  return { text: escapeSlack(message), blocks };
}

/** The generic webhook's body: `event.*`, the rendered message, and the entry kind it came from. */
export function webhookPayload(
  fields: NotifyEventFields,
  message: string,
  delivery: string,
  entryKind: string | null,
): Record<string, unknown> {
  return { orbit_delivery: delivery, entry_kind: entryKind, ...fields, message };
}
