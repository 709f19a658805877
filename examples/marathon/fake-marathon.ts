/**
 * A stand-in for Marathon's REST API (the parts a deployment uses), on loopback, in memory. There
 * is no Marathon on this machine; this answers the same requests with the same shapes, so the
 * example's steps are real HTTP calls that can be checked.
 *
 *   node --import tsx examples/marathon/fake-marathon.ts        # listens on 127.0.0.1:8080 (PORT=... to change)
 *
 * PUT /v2/apps/{id}    create or replace an app (JSON app definition) -> 200 {deploymentId, version}
 * GET /v2/apps/{id}    -> 200 {app} or 404
 * DELETE /v2/apps/{id} -> 200 {deploymentId, version} or 404
 * GET /v2/apps         -> 200 {apps}
 * Requests must carry `Authorization: Bearer <token>` when a token is set (TOKEN=...).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMarathon {
  url: string;
  apps: Map<string, Record<string, unknown>>;
  /** Every request as `METHOD path`, oldest first. */
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeMarathon(
  options: { port?: number; token?: string; log?: (line: string) => void } = {},
): Promise<FakeMarathon> {
  const apps = new Map<string, Record<string, unknown>>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://marathon');
    requests.push(`${req.method} ${url.pathname}`);
    options.log?.(`${req.method} ${url.pathname} ${body}`);
    const send = (status: number, value: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return send(401, { message: 'invalid credentials' });
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
        let app: Record<string, unknown>;
        try {
          app = JSON.parse(body) as Record<string, unknown>;
        } catch {
          return send(400, { message: 'invalid JSON' });
        }
        const created = !apps.has(id);
        apps.set(id, { ...app, id, version });
        return send(created ? 201 : 200, { deploymentId: randomUUID(), version });
      }
      case 'DELETE':
        if (!apps.delete(id)) return send(404, { message: `App '${id}' does not exist` });
        return send(200, { deploymentId: randomUUID(), version });
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fake = await startFakeMarathon({
    port: Number(process.env.PORT ?? 8080),
    token: process.env.TOKEN,
    log: (line) => console.log(line),
  });
  console.log(`fake Marathon listening on ${fake.url}`);
}
