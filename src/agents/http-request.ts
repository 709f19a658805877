import { parseDuration } from '../util/duration.js';
import { expectStatusProblem, httpMethodProblem, httpUrlProblem } from './http-contract.js';
import type { Parsed } from './result.js';
import type { Action } from './types.js';

/** One HTTP request of an `http` step, after the forward/reverse convention is applied. */
export interface HttpRequestSpec {
  method: string;
  url: string;
  body?: string;
  headers: Record<string, string>;
  /** Accepted statuses; empty means any 2xx. */
  expect: StatusMatcher[];
  timeoutMs?: number;
}

type StatusMatcher = number | `${number}xx`;

/**
 * The convention: the step's `forward` / `reverse` arrays are `[METHOD, URL, BODY?]`, rendered
 * and recorded like any other argument array. Without an array, params `method` / `url` / `body`
 * describe the forward request and `reverse_method` / `reverse_url` / `reverse_body` the reverse
 * one. `headers`, `expect_status` and `timeout` apply to both directions.
 */
export function parseHttpRequest(
  action: Action,
  args: string[],
  params: Record<string, unknown>,
): Parsed<HttpRequestSpec> {
  const bad = (message: string): Parsed<HttpRequestSpec> => ({ ok: false, message });
  let method: unknown;
  let url: unknown;
  let body: unknown;
  if (args.length > 0) {
    if (args.length < 2 || args.length > 3) return bad('http argument array must be [METHOD, URL, BODY?]');
    [method, url, body] = args;
  } else if (action === 'reverse') {
    ({ reverse_method: method, reverse_url: url, reverse_body: body } = params);
  } else {
    ({ method, url, body } = params);
  }
  if (typeof url !== 'string' || !url) return bad(`http ${action} request has no url`);
  const urlProblem = httpUrlProblem(url);
  if (urlProblem) return bad(`http url ${urlProblem}, got "${url}"`);
  if (method !== undefined && httpMethodProblem(method))
    return bad(`http method ${httpMethodProblem(method)}`);
  if (body !== undefined && body !== null && typeof body !== 'string')
    return bad('http body must be a string (encode JSON with jsonencode())');

  const headers: Record<string, string> = {};
  if (params.headers !== undefined) {
    if (typeof params.headers !== 'object' || params.headers === null || Array.isArray(params.headers))
      return bad('http param "headers" must be a map');
    for (const [k, v] of Object.entries(params.headers)) headers[k] = String(v);
  }

  const expect: StatusMatcher[] = [];
  const raw = params.expect_status;
  const statusProblem = raw === undefined ? null : expectStatusProblem(raw);
  if (statusProblem) return bad(`http param "expect_status": ${statusProblem}`);
  for (const e of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
    if (typeof e === 'number' && Number.isInteger(e)) expect.push(e);
    else if (typeof e === 'string' && /^\d{3}$/.test(e)) expect.push(Number(e));
    else expect.push(e.toLowerCase() as StatusMatcher); // a class such as "2xx"
  }

  let timeoutMs: number | undefined;
  if (params.timeout !== undefined) {
    // The one duration rule (a bare number is seconds); only callers of the API set it: a step's
    // `timeout` reaches the agent as the invocation's timeoutMs.
    timeoutMs =
      typeof params.timeout === 'string' || typeof params.timeout === 'number'
        ? (parseDuration(params.timeout) ?? undefined)
        : undefined;
    if (timeoutMs === undefined || timeoutMs <= 0)
      return bad('http param "timeout" must be a duration such as "10s"');
  }

  return {
    ok: true,
    value: {
      method: typeof method === 'string' ? method.toUpperCase() : 'POST',
      url,
      body: typeof body === 'string' ? body : undefined,
      headers,
      expect,
      timeoutMs,
    },
  };
}

export function statusExpected(status: number, expect: StatusMatcher[]): boolean {
  if (expect.length === 0) return status >= 200 && status < 300;
  return expect.some((e) =>
    typeof e === 'number' ? e === status : Math.floor(status / 100) === Number(e[0]),
  );
}
