import { isMap, type AgentContract } from './contract.js';

/** What is wrong with an http URL, or null: only http:// and https:// are requested. */
export function httpUrlProblem(url: unknown): string | null {
  if (typeof url !== 'string' || url === '') return 'must be a non-empty string';
  return /^https?:\/\/[^/\s]/i.test(url) ? null : 'must be an http:// or https:// URL';
}

export function httpMethodProblem(method: unknown): string | null {
  return typeof method === 'string' && /^[A-Za-z]+$/.test(method)
    ? null
    : 'must be a word such as GET, POST, PUT, DELETE';
}

/** `expect_status`: a status such as 200, a class such as "2xx", or a list of them. */
export function expectStatusProblem(v: unknown): string | null {
  for (const e of Array.isArray(v) ? v : [v]) {
    const ok =
      (typeof e === 'number' && Number.isInteger(e) && e >= 100 && e <= 599) ||
      (typeof e === 'string' && (/^[1-5]\d\d$/.test(e) || /^[1-5]xx$/i.test(e)));
    // The value is not quoted: it may come from a sensitive variable.
    if (!ok) return 'must be a status such as 200, a class such as "2xx", or a list of them';
  }
  return null;
}

/** `[METHOD, URL]` or `[METHOD, URL, BODY]`. */
export function httpArgsProblem(args: readonly string[]): string | null {
  if (args.length < 2 || args.length > 3) return 'must be [METHOD, URL] or [METHOD, URL, BODY]';
  const m = httpMethodProblem(args[0]);
  if (m) return `method ${m}`;
  const u = httpUrlProblem(args[1]);
  return u ? `URL ${u}` : null;
}

/** `http`: one request per action (src/agents/http-agent.ts). */
export const HTTP_CONTRACT: AgentContract = {
  kind: 'http',
  forward: 'optional',
  emptyArgs: false,
  closed: true,
  checkArgs: httpArgsProblem,
  needs: (present) =>
    present.has('forward') || present.has('url') ? null : 'needs forward = [METHOD, URL, BODY?] or url',
  params: {
    method: {
      type: 'string',
      description: 'instead of a `forward` array (default `POST`)',
      check: httpMethodProblem,
    },
    url: { type: 'string', description: 'instead of a `forward` array', check: httpUrlProblem },
    body: { type: 'string', description: 'instead of a `forward` array (encode JSON with `jsonencode()`)' },
    reverse_method: { type: 'string', description: 'instead of a `reverse` array', check: httpMethodProblem },
    reverse_url: { type: 'string', description: 'instead of a `reverse` array', check: httpUrlProblem },
    reverse_body: { type: 'string', description: 'instead of a `reverse` array' },
    headers: {
      type: 'map(string)',
      description: 'request headers, for both directions',
      check: (v) => (isMap(v) ? null : 'must be a map'),
    },
    expect_status: {
      type: 'any',
      description: 'a status, a `"2xx"`-style class, or a list of them; default any 2xx',
      check: expectStatusProblem,
    },
  },
};
