/**
 * A loopback server that STANDS IN FOR GITHUB, which cannot be reached from here. Every request is
 * checked against GitHub's published OpenAPI description (`@octokit/openapi`, api.github.com):
 * the route and method must exist, query parameters must be declared and of their type, and the
 * JSON body must match the operation's request schema. Answers use the documented status and the
 * documented example body, with the fields that carry state (ids, bodies, states) filled in.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  parameters?: Json[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { examples?: Record<string, Json> }> }>;
}
interface Route {
  method: string;
  template: string;
  re: RegExp;
  names: string[];
  op: Operation;
}

export interface Recorded {
  operationId: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: Json | null;
  authorization: string | undefined;
}

export interface GitHubStandIn {
  url: string;
  requests: Recorded[];
  /** Requests GitHub's description does not allow (answered 422, as GitHub does): must stay empty. */
  violations: string[];
  statuses: Array<Json & { sha: string }>;
  deployments: Array<{ id: number; sha: string; environment: string; payload: unknown; statuses: Json[] }>;
  /** `user`: who wrote it; the stand-in's token belongs to `orbit-bot`. */
  comments: Array<{ id: number; issue: number; body: string; user: string }>;
  close(): Promise<void>;
}

let spec: { paths: Record<string, Record<string, Operation>>; components: Json } | null = null;
function loadSpec(): NonNullable<typeof spec> {
  const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
  spec ??= JSON.parse(readFileSync(file, 'utf8')) as NonNullable<typeof spec>;
  return spec;
}

function resolveRef<T>(doc: Json, v: T): T {
  const ref = (v as { $ref?: string })?.$ref;
  if (!ref) return v;
  let node: unknown = doc;
  for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Json)[part];
  return resolveRef(doc, node as T);
}

export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  const doc = loadSpec();
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: 'gh', components: doc.components });
  const routes: Route[] = [];
  for (const [template, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) {
      if (!op.operationId) continue;
      const names: string[] = [];
      const re = new RegExp(
        `^${template.replace(/\{([^}]+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`,
      );
      routes.push({ method: method.toUpperCase(), template, re, names, op });
    }

  const s: Omit<GitHubStandIn, 'url' | 'close'> = {
    requests: [],
    violations: [],
    statuses: [],
    deployments: [],
    comments: [],
  };

  const validate = (schema: Json, value: unknown, where: string): string[] => {
    const rewritten = JSON.parse(
      JSON.stringify(schema).replaceAll('"#/components/', '"gh#/components/'),
    ) as Json;
    const check = ajv.compile(rewritten);
    return check(value) ? [] : (check.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message}`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const route = routes.find((r) => r.method === req.method && r.re.test(url.pathname));
      const answer = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      if (!route) {
        s.violations.push(`${req.method} ${url.pathname}: no such operation`);
        return answer(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
      }
      const m = route.re.exec(url.pathname)!;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      const query = Object.fromEntries(url.searchParams);
      const raw = Buffer.concat(chunks).toString('utf8');
      const problems: string[] = [];
      let body: Json | null = null;
      if (raw) {
        try {
          body = JSON.parse(raw) as Json;
        } catch {
          problems.push('body is not JSON');
        }
      }
      const declared = (route.op.parameters ?? []).map((p) => resolveRef(doc, p));
      for (const [k, v] of Object.entries(query)) {
        const p = declared.find((d) => d.in === 'query' && d.name === k);
        if (!p) problems.push(`query parameter ${k} is not declared`);
        else {
          const schema = p.schema as Json;
          const value = schema.type === 'integer' || schema.type === 'number' ? Number(v) : v;
          problems.push(...validate(schema, value, `query ${k}`));
        }
      }
      const bodySpec = route.op.requestBody ? resolveRef(doc, route.op.requestBody) : undefined;
      const schema = bodySpec?.content['application/json']?.schema;
      if (bodySpec?.required && body === null) problems.push('a request body is required');
      if (schema && body !== null) problems.push(...validate(schema, body, 'body'));
      if (!req.headers.authorization) problems.push('no authorization header');
      s.requests.push({
        operationId: route.op.operationId,
        params,
        query,
        body,
        authorization: req.headers.authorization,
      });
      if (problems.length > 0) {
        s.violations.push(`${route.op.operationId}: ${problems.join('; ')}`);
        return answer(422, { message: 'Validation Failed', errors: problems });
      }
      const [status, example] = documented(doc, route.op);
      answer(status, respond(s, route.op.operationId, params, query, body ?? {}, example));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    ...s,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** The first documented 2xx status of an operation, and its example body. */
function documented(doc: Json, op: Operation): [number, unknown] {
  const code = Object.keys(op.responses).find((c) => /^2\d\d$/.test(c)) ?? '200';
  const examples = resolveRef(doc, op.responses[code])?.content?.['application/json']?.examples ?? {};
  const first = Object.values(examples)[0];
  return [Number(code), first ? structuredClone((resolveRef(doc, first) as { value: unknown }).value) : null];
}

let nextId = 1000;

/** Whose token the stand-in accepts: the login `GET /user` answers. */
export const STAND_IN_LOGIN = 'orbit-bot';

function respond(
  s: Omit<GitHubStandIn, 'url' | 'close'>,
  operationId: string,
  params: Record<string, string>,
  query: Record<string, string>,
  body: Json,
  example: unknown,
): unknown {
  const ex = (example ?? {}) as Json;
  switch (operationId) {
    case 'repos/create-commit-status': {
      s.statuses.push({ ...body, sha: params.sha! });
      return { ...ex, id: nextId++, state: body.state, context: body.context, description: body.description };
    }
    case 'repos/create-deployment': {
      const d = {
        id: nextId++,
        sha: String(body.ref),
        environment: String(body.environment),
        payload: body.payload,
        statuses: [],
      };
      s.deployments.push(d);
      return { ...ex, id: d.id, sha: d.sha, ref: d.sha, environment: d.environment, payload: d.payload };
    }
    case 'repos/create-deployment-status': {
      const d = s.deployments.find((x) => x.id === Number(params.deployment_id));
      d?.statuses.push(body);
      return { ...ex, id: nextId++, state: body.state };
    }
    case 'repos/list-deployments': {
      const item = (Array.isArray(example) ? example[0] : {}) as Json;
      return s.deployments
        .filter(
          (d) =>
            (!query.sha || d.sha === query.sha) &&
            (!query.environment || d.environment === query.environment),
        )
        .map((d) => ({ ...item, id: d.id, sha: d.sha, environment: d.environment, payload: d.payload }));
    }
    case 'issues/list-comments': {
      const item = (Array.isArray(example) ? example[0] : {}) as Json;
      return s.comments
        .filter((c) => c.issue === Number(params.issue_number))
        .map((c) => ({
          ...item,
          user: { ...(item.user as Json), login: c.user, type: 'User' },
          id: c.id,
          body: c.body,
          html_url: `https://github.com/x/y/pull/${c.issue}#issuecomment-${c.id}`,
        }));
    }
    case 'issues/create-comment': {
      const c = {
        id: nextId++,
        issue: Number(params.issue_number),
        body: String(body.body),
        user: STAND_IN_LOGIN,
      };
      s.comments.push(c);
      return {
        ...ex,
        id: c.id,
        body: c.body,
        html_url: `https://github.com/x/y/pull/${c.issue}#issuecomment-${c.id}`,
      };
    }
    case 'issues/update-comment': {
      const c = s.comments.find((x) => x.id === Number(params.comment_id));
      if (c) c.body = String(body.body);
      return {
        ...ex,
        id: Number(params.comment_id),
        body: body.body,
        html_url: `https://github.com/x/y/pull/${c?.issue ?? 0}#issuecomment-${params.comment_id}`,
      };
    }
    case 'users/get-authenticated':
      return { ...ex, login: STAND_IN_LOGIN };
    case 'apps/create-installation-access-token':
      return {
        ...ex,
        token: 'ghs_installation_token_from_stand_in',
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
      };
    default:
      return example;
  }
}
