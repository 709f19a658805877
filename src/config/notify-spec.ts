/**
 * `notify "name" { type, url | command, events, services, message, secret_env }` blocks, in
 * orbit.hcl (for any service the `services` globs match) and in a service's deploy.hcl (for that
 * service). Every attribute is a constant except `message`, an HCL template over `event.*`,
 * checked here and rendered when an event is sent (src/notify/).
 */
import { suggestion } from '../util/did-you-mean.js';
import type { Diagnostic, SourceLocation } from '../util/errors.js';
import { evaluateConstant } from './constant.js';
import type { Expr } from './expressions/ast.js';
import { checkExpression } from './expressions/check.js';
import { evaluate } from './expressions/evaluate.js';
import { EvalError, fromPlain } from './expressions/values.js';
import type { ParsedBlock } from './hcl/parse.js';

export const NOTIFY_TYPES = ['webhook', 'slack', 'exec'] as const;
export type NotifyType = (typeof NOTIFY_TYPES)[number];

/** What a notify block can subscribe to; src/notify/events.ts maps log entries onto these. */
export const NOTIFY_EVENTS = [
  'started',
  'succeeded',
  'failed',
  'unwound',
  'unwind-failed',
  'waiting-approval',
  'verification-failed',
  'held',
  'degraded',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** The fields of `event.*` in a message template (and of the JSON webhook's payload). */
export interface NotifyEventFields {
  event: NotifyEvent;
  service: string;
  deployment: string;
  /** The deployment's `version` value when it has one, else its config commit (short). */
  version: string;
  commit: string;
  author: string;
  step: string;
  reason: string;
  error: string;
  link: string;
  time: string;
}

export const EVENT_FIELDS = [
  'event',
  'service',
  'deployment',
  'version',
  'commit',
  'author',
  'step',
  'reason',
  'error',
  'link',
  'time',
] as const satisfies ReadonlyArray<keyof NotifyEventFields>;

export interface NotifySpec {
  name: string;
  type: NotifyType;
  /** webhook and slack: where to POST. */
  url: string | null;
  /** exec: the argv; the event's JSON arrives on stdin. */
  command: string[] | null;
  events: NotifyEvent[];
  /** Service-name globs (`*`, `?`); a block in deploy.hcl is for its own service. */
  services: string[];
  /** The message template; null: Orbit's default text. */
  message: Expr | null;
  /** webhook: the environment variable holding the HMAC-SHA256 key (never the key itself). */
  secretEnv: string | null;
  location: SourceLocation;
}

const ATTRIBUTES = ['type', 'url', 'command', 'events', 'services', 'message', 'secret_env'];

/** A sample event: a template that fails on it (a type error) fails at validate, not when sent. */
const SAMPLE: NotifyEventFields = {
  event: 'failed',
  service: 'web',
  deployment: 'web-1',
  version: '1.0',
  commit: '0123456',
  author: 'Ann <ann@example.com>',
  step: 'migrate',
  reason: 'failure',
  error: 'E_STEP_FAILED: exit 1',
  link: 'http://localhost/',
  time: '2026-01-01T00:00:00.000Z',
};

/** Names read into each list, valid or not: a duplicate is reported even after a bad first block. */
const namesSeen = new WeakMap<NotifySpec[], Set<string>>();

/** Reads one block; `forService` is set for a block in a service's deploy.hcl. */
export function readNotify(
  block: ParsedBlock,
  into: NotifySpec[],
  out: Diagnostic[],
  forService?: string,
): void {
  const name = block.labels[0];
  if (block.labels.length !== 1 || !name) {
    out.push({
      ...block.location,
      code: 'E_BLOCK_LABEL',
      message: 'a notify block needs one label, its name: notify "name" { }',
    });
    return;
  }
  const seen = namesSeen.get(into) ?? new Set<string>();
  namesSeen.set(into, seen);
  if (seen.has(name)) {
    out.push({
      ...block.location,
      code: 'E_DUPLICATE_NOTIFY',
      message: `notify "${name}" is defined twice`,
    });
    return;
  }
  seen.add(name);
  const before = out.length;
  const bad = (loc: SourceLocation, message: string): void => {
    out.push({ ...loc, code: 'E_NOTIFY_TARGET', message: `notify "${name}": ${message}` });
  };
  const spec: NotifySpec = {
    name,
    type: 'webhook',
    url: null,
    command: null,
    events: [...NOTIFY_EVENTS],
    services: forService !== undefined ? [forService] : ['*'],
    message: null,
    secretEnv: null,
    location: block.location,
  };
  let typed = false;
  for (const nb of block.blocks)
    out.push({ ...nb.location, code: 'E_UNKNOWN_BLOCK', message: `unexpected block "${nb.type}" in notify` });
  for (const a of block.attributes) {
    if (!ATTRIBUTES.includes(a.name)) {
      out.push({
        ...a.location,
        code: 'E_UNKNOWN_ATTRIBUTE',
        message: `unknown attribute "${a.name}" in notify "${name}"${suggestion(a.name, ATTRIBUTES)}`,
      });
      continue;
    }
    if (a.name === 'message') {
      spec.message = readTemplate(a.expr, out) ? a.expr : null;
      continue;
    }
    if (a.name === 'services' && forService !== undefined) {
      bad(a.location, `a notify block in ${forService}'s deploy.hcl is for that service: drop "services"`);
      continue;
    }
    const v = evaluateConstant(a.expr, `notify "${name}" ${a.name}`, out);
    if (v === undefined) continue;
    switch (a.name) {
      case 'type':
        if (typeof v === 'string' && (NOTIFY_TYPES as readonly string[]).includes(v)) {
          spec.type = v as NotifyType;
          typed = true;
        } else bad(a.expr.loc, `type must be one of ${NOTIFY_TYPES.map((t) => `"${t}"`).join(', ')}`);
        break;
      case 'url': {
        const problem = urlProblem(v);
        if (problem) bad(a.expr.loc, problem);
        else spec.url = v as string;
        break;
      }
      case 'command':
        if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0))
          spec.command = v as string[];
        else bad(a.expr.loc, 'command must be a non-empty list of strings (an argv)');
        break;
      case 'events': {
        const list = stringList(v);
        const unknown = list?.find((e) => !(NOTIFY_EVENTS as readonly string[]).includes(e));
        if (!list || list.length === 0) bad(a.expr.loc, 'events must be a non-empty list of event names');
        else if (unknown !== undefined)
          bad(
            a.expr.loc,
            `unknown event "${unknown}"${suggestion(unknown, NOTIFY_EVENTS) || `; events are ${NOTIFY_EVENTS.join(', ')}`}`,
          );
        else spec.events = [...new Set(list)] as NotifyEvent[];
        break;
      }
      case 'services': {
        const list = stringList(v);
        if (!list || list.length === 0 || list.some((g) => !/^[A-Za-z0-9._*?-]+$/.test(g)))
          bad(a.expr.loc, 'services must be a non-empty list of service names or globs (*, ?)');
        else spec.services = list;
        break;
      }
      case 'secret_env':
        if (typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) spec.secretEnv = v;
        else
          bad(a.expr.loc, 'secret_env must name an environment variable (the key itself stays out of git)');
        break;
    }
  }
  if (!typed && !block.attributes.some((a) => a.name === 'type'))
    bad(block.location, `type is required (${NOTIFY_TYPES.join(', ')})`);
  if (spec.type === 'exec') {
    if (!spec.command && !block.attributes.some((a) => a.name === 'command'))
      bad(block.location, 'an exec target needs command = ["prog", "arg", ...]');
  } else if (!spec.url && !block.attributes.some((a) => a.name === 'url'))
    bad(block.location, `a ${spec.type} target needs url = "https://..."`);
  if (spec.secretEnv && spec.type !== 'webhook')
    bad(block.location, 'secret_env signs generic webhooks only (type = "webhook")');
  if (out.length === before) into.push(spec);
}

function urlProblem(v: unknown): string | null {
  if (typeof v !== 'string') return 'url must be a string';
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return `url ${JSON.stringify(v)} is not a valid URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url must be http:// or https://';
  if (url.username || url.password) return 'url must not carry credentials (user:password@)';
  return null;
}

const stringList = (v: unknown): string[] | null =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;

/** Checks references (only `event.<field>`) and renders the sample once; false after diagnostics. */
function readTemplate(expr: Expr, out: Diagnostic[]): boolean {
  const before = out.length;
  checkExpression(
    expr,
    (root, path) => {
      const first = path[0];
      const field = first?.kind === 'attr' ? first.name : undefined;
      if (root !== 'event')
        return {
          code: 'E_UNKNOWN_REFERENCE',
          message: `unknown reference "${root}": a notify message can use event.<field> only`,
        };
      if (field !== undefined && (EVENT_FIELDS as readonly string[]).includes(field)) return null;
      return {
        code: 'E_UNKNOWN_REFERENCE',
        message: `unknown reference "event.${field ?? ''}"${suggestion(field ?? '', EVENT_FIELDS) || `; event has ${EVENT_FIELDS.join(', ')}`}`,
      };
    },
    out,
  );
  if (out.length > before) return false;
  try {
    renderMessage(expr, SAMPLE);
    return true;
  } catch (err) {
    if (!(err instanceof EvalError)) throw err;
    out.push({ ...err.loc, code: err.code, message: err.message });
    return false;
  }
}

/** The text of a message template for one event (throws EvalError on a type error). */
export function renderMessage(expr: Expr, fields: NotifyEventFields): string {
  const v = evaluate(expr, { roots: { event: fromPlain(fields) } });
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new EvalError('E_EVAL_TYPE', 'a notify message must be a string', expr.loc);
}
