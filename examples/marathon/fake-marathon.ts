/**
 * A stand-in for Marathon's REST API (the parts a deployment uses), on loopback, in memory. Marathon
 * needs Mesos and a ZooKeeper and cannot run here; this answers the same requests with the same
 * statuses and shapes as Marathon's published API description (mesosphere/marathon,
 * docs/docs/rest-api/public/api/v2/apps.raml, traits.raml and schema/AppDefinition.json), and
 * refuses what Marathon would refuse, so the example's steps are real HTTP calls that can be checked.
 *
 *   node --import tsx examples/marathon/fake-marathon.ts        # listens on 127.0.0.1:8080 (PORT=... to change)
 *
 * PUT /v2/apps/{id}    replace an app, or create it    -> 200 / 201 {deploymentId, version}
 *                      (a deployment: `Marathon-Deployment-Id` header; 201 with `Location`)
 *                      invalid JSON -> 400, a definition the schema refuses -> 422 {message, details}
 * GET /v2/apps/{id}    -> 200 {app} or 404 {message: "App '/id' does not exist"}
 * DELETE /v2/apps/{id} -> 200 {deploymentId, version} or 404
 * GET /v2/apps         -> 200 {apps}
 * Requests must carry `Authorization: Bearer <token>` when a token is set (TOKEN=...): else 401.
 * What is not modelled: tasks, deployments that take time (so never 409 "locked by deployment"),
 * versions, groups and pods.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMarathon {
  url: string;
  apps: Map<string, Record<string, unknown>>;
  /** Every request as `METHOD path`, oldest first. */
  requests: string[];
  /** Every request's `Content-Type`, oldest first. */
  contentTypes: Array<string | undefined>;
  close(): Promise<void>;
}

export async function startFakeMarathon(
  options: { port?: number; token?: string; log?: (line: string) => void } = {},
): Promise<FakeMarathon> {
  const apps = new Map<string, Record<string, unknown>>();
  const requests: string[] = [];
  const contentTypes: Array<string | undefined> = [];
  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://marathon');
    requests.push(`${req.method} ${url.pathname}`);
    contentTypes.push(req.headers['content-type']);
    options.log?.(`${req.method} ${url.pathname} ${body}`);
    const send = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    // The `deployable` trait: a change answers with the deployment it started.
    const deployed = (status: number, headers: Record<string, string> = {}): void => {
      const deploymentId = randomUUID();
      send(status, { deploymentId, version }, { 'Marathon-Deployment-Id': deploymentId, ...headers });
    };
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return send(401, { message: 'Invalid username or password.' });
    }
    const m = /^\/v2\/apps(\/.+)?$/.exec(url.pathname);
    if (!m) return send(404, { message: `no route ${url.pathname}` });
    const id = m[1]?.replace(/\/+$/, '');
    const version = new Date().toISOString();
    if (!id && req.method === 'GET') return send(200, { apps: [...apps.values()] });
    if (!id) return send(405, { message: 'method not allowed' });
    switch (req.method) {
      case 'GET': {
        const app = apps.get(id);
        return app ? send(200, { app }) : send(404, { message: `App '${id}' does not exist` });
      }
      case 'PUT': {
        let app: unknown;
        try {
          app = JSON.parse(body);
        } catch {
          return send(400, {
            message: 'Invalid JSON',
            details: [{ path: '/', errors: ['error.expected.jsobject'] }],
          });
        }
        const details = appErrors(app);
        if (details.length > 0) return send(422, { message: 'Object is not valid', details });
        const created = !apps.has(id);
        apps.set(id, { ...(app as Record<string, unknown>), id, version });
        return created ? deployed(201, { Location: id }) : deployed(200);
      }
      case 'DELETE':
        if (!apps.delete(id)) return send(404, { message: `App '${id}' does not exist` });
        return deployed(200);
      default:
        return send(405, { message: 'method not allowed' });
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apps,
    requests,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** AppDefinition.json's top-level properties (`additionalProperties: false`). */
const APP_PROPERTIES = new Set(
  (
    'acceptedResourceRoles args backoffFactor backoffSeconds cmd constraints container cpus dependencies ' +
    'disk env executor fetch healthChecks id instances ipAddress labels maxLaunchDelaySeconds mem ports ' +
    'portDefinitions readinessChecks residency requirePorts storeUrls upgradeStrategy uris user version versionInfo'
  ).split(' '),
);
/** AppDefinition.json's `pathType`. */
const APP_ID = /^(\/?((\.{2})|([a-z0-9][a-z0-9\-.]*[a-z0-9]+)|([a-z0-9]*))($|\/))+$/;

/** What Marathon's AppDefinition schema says of the fields a deployment sends: `[]` when valid. */
export function appErrors(app: unknown): Array<{ path: string; errors: string[] }> {
  const out: Array<{ path: string; errors: string[] }> = [];
  const fail = (path: string, error: string) => out.push({ path, errors: [error] });
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(app)) return [{ path: '/', errors: ['error.expected.jsobject'] }];
  for (const k of Object.keys(app)) if (!APP_PROPERTIES.has(k)) fail(`/${k}`, 'error.unknown.property');
  if (typeof app.id !== 'string' || !APP_ID.test(app.id)) fail('/id', 'error.pattern');
  if (app.cmd !== undefined && app.args !== undefined)
    fail('/', "AppDefinition must either contain one of 'cmd' or 'args'");
  const instances = app.instances;
  if (instances !== undefined && (!Number.isInteger(instances) || (instances as number) < 0))
    fail('/instances', 'error.min');
  const c = app.container;
  if (c !== undefined) {
    if (!isObject(c)) fail('/container', 'error.expected.jsobject');
    else {
      for (const k of Object.keys(c))
        if (!['docker', 'type', 'volumes'].includes(k)) fail(`/container/${k}`, 'error.unknown.property');
      if (c.type !== undefined && c.type !== 'DOCKER' && c.type !== 'MESOS')
        fail('/container/type', 'error.enum');
      if (c.docker !== undefined) {
        const d = c.docker;
        if (!isObject(d) || typeof d.image !== 'string' || d.image === '')
          fail('/container/docker/image', 'error.path.missing');
      }
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fake = await startFakeMarathon({
    port: Number(process.env.PORT ?? 8080),
    token: process.env.TOKEN,
    log: (line) => console.log(line),
  });
  console.log(`fake Marathon listening on ${fake.url}`);
}
