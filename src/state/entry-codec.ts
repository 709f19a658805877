import { OrbitError } from '../util/errors.js';
import { EVENT_KINDS, type LogEntry } from './types.js';
import { assertSafeId } from './paths.js';
import { STATE_FORMAT_VERSION, upgradeEntry } from './format.js';

/**
 * How an entry becomes a commit: a headline people read in `git log --oneline`, a blank line,
 * then git trailers a machine can read. The full entry also goes in the tree as `entry.json`,
 * so nothing depends on parsing the message.
 */

/** Defence in depth: the engine caps logs already; a runaway one must not bloat the branch. */
export const MAX_LOG_BYTES = 1024 * 1024;

/** `Ann <ann@example.com>` → `Ann`: headlines stay short; the full identity is in a trailer. */
const nameOf = (author: string): string => author.replace(/\s*<[^>]*>\s*$/, '').trim() || author;

const short = (sha: string | null): string => (sha ? sha.slice(0, 7) : 'none');

function seconds(ms: number | null): string {
  if (ms === null) return '';
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

function paren(parts: (string | null | false)[]): string {
  const kept = parts.filter((p): p is string => typeof p === 'string' && p.length > 0);
  return kept.length ? ` (${kept.join(', ')})` : '';
}

/** Step indexes are 0-based in entries (`waffle-12/0-migrate`); headlines count from 1. */
function stepLabel(e: LogEntry): string {
  const n = (e.step_index ?? 0) + 1;
  const of = e.step_count !== null ? `${n}/${e.step_count}` : `${n}`;
  return `${e.deploy_id} step ${of} ${e.step_name ?? ''}`.trimEnd();
}

function firstLine(text: string, max = 120): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

export function headline(e: LogEntry): string {
  const exit = e.exit_code !== null && e.exit_code !== 0 ? `exit ${e.exit_code}` : null;
  const err = e.error ? firstLine(e.error.message, 80) : null;
  switch (e.kind) {
    case 'deploy-started':
      return e.redeploy_of
        ? `${e.deploy_id}: redeploy of ${e.redeploy_of} started${paren([`by ${nameOf(e.author)}`])}`
        : e.retry_of
          ? `${e.deploy_id}: retry of ${e.retry_of} started${paren([`commit ${short(e.config_commit)}`])}`
          : `${e.deploy_id}: deploy started${paren([`commit ${short(e.config_commit)} by ${nameOf(e.author)}`, e.reason])}`;
    case 'step-started':
      return `${stepLabel(e)}: started`;
    case 'step-applied':
      return `${stepLabel(e)}: applied${paren([seconds(e.duration_ms)])}`;
    case 'step-failed':
      return `${stepLabel(e)}: failed${paren([exit, seconds(e.duration_ms), !exit && err])}`;
    case 'deploy-succeeded':
      return `${e.deploy_id}: deployed${paren([`commit ${short(e.config_commit)}`])}`;
    case 'unwind-started':
      return `${e.deploy_id}: unwind started${paren([`reason ${e.reason ?? 'user'}`, `by ${nameOf(e.author)}`])}`;
    case 'reverse-started':
      return `${stepLabel(e)}: reverse started`;
    case 'unwind-blocked':
      return `${e.deploy_id}: unwind blocked${paren([err])}`;
    case 'step-reversed':
      return `${stepLabel(e)}: reversed${paren([seconds(e.duration_ms)])}`;
    case 'step-reverse-failed':
      return `${stepLabel(e)}: reverse failed${paren([exit, seconds(e.duration_ms), !exit && err])}`;
    case 'deploy-unwound':
      return `${e.deploy_id}: unwound${paren([`reason ${e.reason ?? 'user'}`])}`;
    case 'unwind-failed':
      return `${e.deploy_id}: unwind failed${paren([err])}`;
    case 'deploy-skipped':
      return `${e.deploy_id}: skipped${paren([e.reason ? `reason ${e.reason}` : null, `commit ${short(e.config_commit)}`])}`;
    case 'dependency-skipped':
      return `${e.deploy_id}: not started${paren([e.reason, `commit ${short(e.config_commit)}`])}`;
    case 'commit-rejected':
      return `${e.service_id || 'config'}: commit ${short(e.config_commit)} rejected: ${err ?? 'invalid configuration'}`;
    case 'step-acked':
      return `${stepLabel(e)}: acked by ${nameOf(e.author)}`;
    case 'commit-seen':
      return `config commit ${short(e.config_commit)} seen`;
    case 'check-result': {
      const c = e.check;
      const where = c?.after ? ` after ${c.after}` : '';
      return `${e.deploy_id}: check ${c?.name ?? '?'}${where} ${c?.status ?? '?'}${paren([c?.value ?? null, c?.reason ?? null])}`;
    }
    case 'deploy-waiting':
      return `${e.deploy_id}: waiting for its window${paren([e.window?.opens_at ? `opens ${e.window.opens_at}` : 'no opening within a year', `commit ${short(e.config_commit)}`])}`;
    case 'window-overridden':
      return `${e.deploy_id}: window overridden by ${nameOf(e.author)}${paren([e.reason])}`;
    case 'service-held':
      return `${e.service_id}: on hold${paren([e.deploy_id, `reason ${e.reason ?? 'user'}`, `by ${nameOf(e.author)}`])}`;
    case 'service-released':
      return `${e.service_id}: released${paren([e.reason, `by ${nameOf(e.author)}`])}`;
    case 'unwind-waiting':
      return `${e.deploy_id}: unwind by ${nameOf(e.author)} waits for an approval${paren([e.reason])}`;
    case 'unwind-approved':
      return `${e.deploy_id}: unwind approved by ${nameOf(e.author)}`;
    case 'unwind-not-approved':
      return `${e.deploy_id}: unwind not approved${paren([e.reason])}`;
    case 'notify-failed':
      return `notify ${e.reason ?? ''}: gave up${paren([err])}`;
  }
}

/** Trailer values are single lines; a newline would end the trailer block. */
const oneLine = (v: string): string => v.replace(/\s*\n\s*/g, ' ').trim();

export function trailers(e: LogEntry, previousEntry: string | null): [string, string][] {
  const t: [string, string | null | undefined][] = [
    ['Orbit-Event', e.kind],
    ['Orbit-Service', e.service_id || null],
    ['Orbit-Deployment', e.deploy_id],
    ['Orbit-Step', e.step_id],
    ['Orbit-Previous-Entry', previousEntry],
    ['Orbit-Previous-Deployment', e.previous_deploy_id],
    ['Orbit-Redeploy-Of', e.redeploy_of],
    ['Orbit-Retry-Of', e.retry_of],
    ['Orbit-Config-Commit', e.config_commit],
    ['Orbit-Author', e.author],
    ['Orbit-Verified-By', e.verified_by],
    ['Orbit-Reason', e.reason],
    ['Orbit-Exit-Code', e.exit_code === null ? null : String(e.exit_code)],
    ['Orbit-Duration-Ms', e.duration_ms === null ? null : String(e.duration_ms)],
    ['Orbit-Error', e.error ? `${e.error.code}: ${e.error.message}` : null],
  ];
  return t
    .filter((x): x is [string, string] => typeof x[1] === 'string' && x[1].length > 0)
    .map(([k, v]) => [k, oneLine(v).slice(0, 500)]);
}

export function commitMessage(e: LogEntry, previousEntry: string | null): string {
  const body = trailers(e, previousEntry)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return `${oneLine(headline(e))}\n\n${body}\n`;
}

/** Checks what the tree layout relies on, and caps the log. Returns the entry to store. */
export function normaliseEntry(entry: LogEntry): LogEntry {
  if (!entry || typeof entry !== 'object' || !EVENT_KINDS.includes(entry.kind))
    throw new OrbitError('E_STATE_BAD_ENTRY', `unknown event kind: ${String(entry?.kind)}`, {
      kind: entry?.kind,
    });
  // commit-seen, and commit-rejected for a directory that is no service name, belong to no service.
  const serviceless = ['commit-seen', 'commit-rejected', 'notify-failed'].includes(entry.kind);
  if (!serviceless || entry.service_id) assertSafeId('service', entry.service_id);
  if (entry.deploy_id !== null) assertSafeId('deployment', entry.deploy_id);
  const needsDeploy = ![
    'commit-rejected',
    'commit-seen',
    'deploy-skipped',
    'service-held',
    'service-released',
    'notify-failed',
  ].includes(entry.kind);
  if (needsDeploy && !entry.deploy_id)
    throw new OrbitError('E_STATE_BAD_ENTRY', `${entry.kind} needs a deploy_id`, { kind: entry.kind });
  if (entry.kind.startsWith('step-') && !Number.isInteger(entry.step_index))
    throw new OrbitError('E_STATE_BAD_ENTRY', `${entry.kind} needs an integer step_index`, {
      kind: entry.kind,
    });
  const log = typeof entry.log === 'string' ? entry.log : '';
  const capped =
    Buffer.byteLength(log) > MAX_LOG_BYTES
      ? Buffer.from(log).subarray(0, MAX_LOG_BYTES).toString() + '\n[log truncated by the state log]\n'
      : log;
  // The writer writes its own format, whatever the entry says.
  return { ...entry, format_version: STATE_FORMAT_VERSION, log: capped, outputs: entry.outputs ?? {} };
}

export function encodeEntry(entry: LogEntry): string {
  return JSON.stringify(entry, null, 2) + '\n';
}

/** Reads an `entry.json` of any known format as the current one. */
export function decodeEntry(text: string): LogEntry {
  return upgradeEntry(JSON.parse(text) as Record<string, unknown>);
}
