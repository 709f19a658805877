/**
 * The notifier: fed every entry the engine writes (the daemon's observe hook) and the daemon's own
 * problems (`degraded`), it picks the matching targets and queues one delivery each. Observing
 * never awaits and never throws: a deployment does not wait for a receiver.
 */
import { randomUUID } from 'node:crypto';
import { renderMessage, type NotifySpec, type NotifyEventFields } from '../config/notify-spec.js';
import { newEntry } from '../state/new-entry.js';
import type { DeploymentRecord, LogEntry } from '../state/types.js';
import { maskDeep, maskText, type Secret } from '../util/secrets.js';
import { defaultMessage, eventFields, eventOf, matchesGlob } from './events.js';
import { slackPayload, webhookPayload } from './payloads.js';
import {
  DeliveryQueue,
  type DeliveryJob,
  type GiveUp,
  type QueueOptions,
  type TargetHealth,
} from './queue.js';
import { DeliveryError, postJson, runCommand } from './send.js';

export interface NotifierLog {
  warn(fields: Record<string, unknown>, message: string): void;
  debug?(fields: Record<string, unknown>, message: string): void;
}

/** Something else that reacts to entries through the same queue (the GitHub reporter). */
export interface EntrySink {
  readonly target: string;
  jobs(entry: LogEntry, fields: NotifyEventFields | null): DeliveryJob[];
}

export interface NotifierOptions {
  /** The targets in effect for an entry (its config commit's orbit.hcl and deploy.hcl). */
  targets(entry: LogEntry | null): Promise<NotifySpec[]>;
  deployment?(deployId: string): Promise<DeploymentRecord | null>;
  /** Appends the give-up record to the state branch. */
  record(entry: LogEntry): Promise<unknown>;
  log: NotifierLog;
  /** Where `secret_env` keys are read; default process.env. */
  env?: Record<string, string | undefined>;
  /** Values masked in everything sent, logged and recorded (sensitive variables, keys, tokens). */
  secrets?: Secret[];
  /** The dashboard link for an entry ('' for none). */
  link?(entry: LogEntry | null): string;
  timeoutMs?: number;
  queue?: Omit<QueueOptions, 'onGiveUp'>;
  sinks?: EntrySink[];
  now?(): Date;
}

export class Notifier {
  private readonly queue: DeliveryQueue;
  private readonly env: Record<string, string | undefined>;
  /** Entries are matched in the order written, so each target hears them in that order. */
  private chain: Promise<void> = Promise.resolve();
  /** The `secret_env` keys in use: masked like any secret. */
  private readonly keys = new Map<string, string>();

  constructor(private readonly options: NotifierOptions) {
    this.env = options.env ?? process.env;
    this.queue = new DeliveryQueue({ ...options.queue, onGiveUp: (g) => this.gaveUp(g) });
  }

  observe(entry: LogEntry): void {
    this.chain = this.chain.then(() => this.dispatch(entry)).catch((err: unknown) => this.problem(err));
  }

  /** A daemon problem (sync failing, state push failing...): `degraded` targets hear it. */
  degraded(reason: string): void {
    const fields: NotifyEventFields = {
      event: 'degraded',
      service: '',
      deployment: '',
      version: '',
      commit: '',
      author: '',
      step: '',
      reason: this.mask(reason),
      error: this.mask(reason),
      link: this.options.link?.(null) ?? '',
      time: (this.options.now?.() ?? new Date()).toISOString(),
    };
    this.chain = this.chain
      .then(async () => {
        for (const spec of await this.options.targets(null))
          if (spec.events.includes('degraded')) this.enqueue(spec, fields, null);
      })
      .catch((err: unknown) => this.problem(err));
  }

  health(): Record<string, TargetHealth> {
    return this.queue.health();
  }

  close(): void {
    this.queue.close();
  }

  private async dispatch(entry: LogEntry): Promise<void> {
    const event = eventOf(entry);
    let fields: NotifyEventFields | null = null;
    if (event) {
      const deployment = entry.deploy_id
        ? ((await this.options.deployment?.(entry.deploy_id)) ?? null)
        : null;
      fields = maskDeep(
        eventFields(event, entry, deployment, this.options.link?.(entry) ?? ''),
        this.secrets(),
      );
      for (const spec of await this.options.targets(entry))
        if (spec.events.includes(event) && spec.services.some((g) => matchesGlob(g, entry.service_id)))
          this.enqueue(spec, fields, entry.kind);
    }
    for (const sink of this.options.sinks ?? [])
      for (const job of sink.jobs(entry, fields)) this.queue.push(job);
  }

  private enqueue(spec: NotifySpec, fields: NotifyEventFields, kind: string | null): void {
    const message = this.mask(this.messageOf(spec, fields));
    const what = `${fields.event} ${fields.deployment || fields.service || 'daemon'}`.trim();
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    // One id per notification, the same on every retry: receivers drop what they have seen.
    const delivery = randomUUID();
    const attempt = async (): Promise<void> => {
      if (spec.type === 'slack') return postJson(spec.url!, slackPayload(fields, message), { timeoutMs });
      if (spec.type === 'exec') {
        const body = JSON.stringify(webhookPayload(fields, message, delivery, kind));
        return runCommand(
          spec.command!,
          body,
          { ORBIT_EVENT: fields.event, ORBIT_MESSAGE: message },
          timeoutMs,
        );
      }
      const secret = spec.secretEnv ? this.env[spec.secretEnv] : undefined;
      if (spec.secretEnv && secret) this.keys.set(spec.secretEnv, secret);
      if (spec.secretEnv && !secret)
        throw new DeliveryError(
          `secret_env ${spec.secretEnv} is not set: the payload cannot be signed`,
          false,
        );
      return postJson(spec.url!, webhookPayload(fields, message, delivery, kind), {
        timeoutMs,
        ...(secret !== undefined ? { secret } : {}),
        headers: { 'X-Orbit-Event': fields.event, 'X-Orbit-Delivery': delivery },
      });
    };
    this.queue.push({ target: spec.name, what, attempt });
  }

  private messageOf(spec: NotifySpec, fields: NotifyEventFields): string {
    if (!spec.message) return defaultMessage(fields);
    try {
      return renderMessage(spec.message, fields);
    } catch {
      // Checked at validate against a sample; an event's own values can still trip it.
      return defaultMessage(fields);
    }
  }

  private gaveUp(g: GiveUp): void {
    const message = this.mask(
      `${g.what}: ${g.message}${g.status === null ? ` after ${g.attempts} attempt${g.attempts === 1 ? '' : 's'}` : ''}`,
    );
    this.options.log.warn(
      { notify: g.target, status: g.status, attempts: g.attempts },
      `notify ${g.target}: gave up: ${message}`,
    );
    if (!g.firstOfStreak) return;
    const entry = newEntry('notify-failed', '', this.options.now?.() ?? new Date(), {
      reason: g.target,
      author: 'orbit',
      error: { code: 'E_NOTIFY_UNDELIVERED', message },
    });
    this.options.record(entry).catch((err: unknown) => this.problem(err));
  }

  private secrets(): Secret[] {
    const keys: Secret[] = [];
    for (const [name, value] of Object.entries(this.env))
      if (value && /(SECRET|TOKEN|PRIVATE_KEY|PASSWORD)/i.test(name)) keys.push({ name, value });
    for (const [name, value] of this.keys) keys.push({ name, value });
    return [...(this.options.secrets ?? []), ...keys];
  }

  private mask(text: string): string {
    return maskText(text, this.secrets());
  }

  private problem(err: unknown): void {
    this.options.log.warn(
      { error: this.mask(err instanceof Error ? err.message : String(err)) },
      'notify: could not handle an event',
    );
  }
}
