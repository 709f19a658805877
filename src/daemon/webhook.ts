/**
 * GitHub-style push webhooks: the raw body's HMAC (`X-Hub-Signature-256`) is checked against the
 * shared secret with @octokit/webhooks-methods before anything is parsed or triggered. A push to
 * the watched branch asks for a fetch at once; other events and branches are acknowledged.
 */
import { verify } from '@octokit/webhooks-methods';
import { OrbitError } from '../util/errors.js';

export type WebhookDecision =
  | {
      action: 'sync';
      ref: string;
      after: string | null;
      /** Who pushed (`pusher`, as `name <email>`), and the commits they pushed: GitHub signed this. */
      pushedBy: string | null;
      commits: string[];
    }
  | { action: 'ignore'; reason: string };

/** Throws E_BAD_SIGNATURE unless `signature` is the body's HMAC-SHA256 under `secret`. */
export async function checkSignature(
  secret: string | null,
  rawBody: string,
  signature: string | undefined,
): Promise<void> {
  if (!secret)
    throw new OrbitError('E_BAD_SIGNATURE', 'webhooks are off: the daemon has no webhook secret configured');
  if (!signature) throw new OrbitError('E_BAD_SIGNATURE', 'missing X-Hub-Signature-256 header');
  let ok = false;
  try {
    ok = await verify(secret, rawBody, signature);
  } catch {
    // A malformed signature header: as wrong as a mismatching one.
    ok = false;
  }
  if (!ok) throw new OrbitError('E_BAD_SIGNATURE', 'the X-Hub-Signature-256 signature does not match');
}

/** The JSON payload, whether sent as application/json or as GitHub's form encoding (`payload=`). */
export function payloadOf(rawBody: string, contentType: string | undefined): unknown {
  const text = /x-www-form-urlencoded/i.test(contentType ?? '')
    ? (new URLSearchParams(rawBody).get('payload') ?? '')
    : rawBody;
  try {
    return JSON.parse(text);
  } catch {
    throw new OrbitError('E_BAD_REQUEST', 'the webhook payload is not JSON');
  }
}

export function decide(event: string | undefined, payload: unknown, branch: string): WebhookDecision {
  if (event === 'ping') return { action: 'ignore', reason: 'ping' };
  if (event !== 'push') return { action: 'ignore', reason: `event ${event ?? '(none)'} is not a push` };
  const p = payload as {
    ref?: unknown;
    after?: unknown;
    pusher?: { name?: unknown; email?: unknown };
    commits?: unknown;
  } | null;
  if (!p || typeof p.ref !== 'string') throw new OrbitError('E_BAD_REQUEST', 'push payload without a ref');
  const watched = `refs/heads/${branch}`;
  if (p.ref !== watched) return { action: 'ignore', reason: `push to ${p.ref}; watching ${watched}` };
  const after = typeof p.after === 'string' ? p.after : null;
  const name = typeof p.pusher?.name === 'string' ? p.pusher.name : null;
  const email = typeof p.pusher?.email === 'string' ? p.pusher.email : null;
  const pushedBy = name && email ? `${name} <${email}>` : (name ?? email);
  const listed = Array.isArray(p.commits) ? (p.commits as Array<{ id?: unknown }>) : [];
  const ids = listed.map((c) => c?.id).filter((id): id is string => typeof id === 'string');
  return { action: 'sync', ref: p.ref, after, pushedBy, commits: after ? [...ids, after] : ids };
}
