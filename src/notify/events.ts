/**
 * Which log entries are which notification events: the one table that says it. Kinds other
 * branches add (`service-held`, a verification failure) are one line each here; `degraded` is
 * not an entry but a daemon problem, sent through `Notifier.degraded`.
 */
import type { NotifyEvent, NotifyEventFields } from '../config/notify-spec.js';
import type { DeploymentRecord, EventKind, LogEntry } from '../state/types.js';

type Classifier = (e: LogEntry) => NotifyEvent | null;

export const EVENT_OF: Partial<Record<EventKind, Classifier>> = {
  'deploy-started': () => 'started',
  'deploy-succeeded': () => 'succeeded',
  // The step that failed says what failed; the unwind that follows is `unwound`.
  'step-failed': () => 'failed',
  'commit-rejected': (e) => (e.service_id ? 'failed' : null),
  'deploy-unwound': () => 'unwound',
  'unwind-failed': () => 'unwind-failed',
  'unwind-blocked': () => 'unwind-failed',
  // An `ack` step starts by waiting for a person.
  'step-started': (e) => (e.forward_action?.agent === 'ack' ? 'waiting-approval' : null),
  // An unwind asked for outside its window under `unwind_approval`.
  'unwind-waiting': () => 'waiting-approval',
  'service-held': () => 'held',
  // A check's verdict `failed`: the unwind that follows is `unwound`.
  'check-result': (e) => (e.check?.status === 'failed' ? 'verification-failed' : null),
};

export function eventOf(entry: LogEntry): NotifyEvent | null {
  return EVENT_OF[entry.kind]?.(entry) ?? null;
}

const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : '');

/** The deployment's `version` value when it has a plain one, else its config commit (short). */
function versionOf(entry: LogEntry, deployment: DeploymentRecord | null): string {
  const v = (entry.values ?? deployment?.values ?? {})['version'];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : short(entry.config_commit);
}

/** `event.*`: what a template, a payload and a receiver see (from the masked entry only). */
export function eventFields(
  event: NotifyEvent,
  entry: LogEntry,
  deployment: DeploymentRecord | null,
  link: string,
): NotifyEventFields {
  return {
    event,
    service: entry.service_id,
    deployment: entry.deploy_id ?? '',
    version: versionOf(entry, deployment),
    commit: entry.config_commit ?? deployment?.config_commit ?? '',
    author: entry.author,
    step: entry.step_name ?? '',
    reason: entry.reason ?? '',
    error: entry.error ? `${entry.error.code}: ${entry.error.message}` : '',
    link,
    time: entry.applied_time,
  };
}

/** Orbit's text when a block has no `message`. */
export function defaultMessage(f: NotifyEventFields): string {
  const what = f.deployment || f.service;
  switch (f.event) {
    case 'started':
      return `${what}: deploying ${f.service} ${f.version} (by ${f.author})`;
    case 'succeeded':
      return `${what}: ${f.service} ${f.version} is live`;
    case 'failed':
      return `${what}: ${f.step ? `step ${f.step} failed` : 'config rejected'}${f.error ? `: ${f.error}` : ''}`;
    case 'unwound':
      return `${what}: unwound (reason ${f.reason || 'user'})`;
    case 'unwind-failed':
      return `${what}: unwind stopped${f.error ? `: ${f.error}` : ''}; needs a person`;
    case 'waiting-approval':
      return `${what}: ${f.step ? `step ${f.step}` : 'the unwind'} waits for approval (orbit ack ${f.deployment})`;
    case 'verification-failed':
      return `${what}: verification failed${f.error ? `: ${f.error}` : ''}`;
    case 'held':
      return `${f.service}: held${f.reason ? ` (${f.reason})` : ''}`;
    case 'degraded':
      return `orbit daemon degraded: ${f.error || f.reason}`;
  }
}

/** `*` and `?` over a service name (names are letters, digits, ., _, -). */
export function matchesGlob(glob: string, name: string): boolean {
  const re = new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(name);
}
