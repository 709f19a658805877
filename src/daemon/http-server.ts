/**
 * The daemon's HTTP API (fastify), as four plugins: the read routes, the state-changing routes,
 * the webhook (behind its signature) and the dashboard (web-routes.ts). Every route's role is in identity/route-access.ts,
 * checked before the body is read. Bodies are JSON,
 * size-limited and schema-checked; errors come back as `{ error: { code, message } }` with the
 * status chosen in http-errors.ts. Logged URLs never show query values (see log-redaction.ts).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { plain, toHttpError } from './http-errors.js';
import { guardRoutes } from './identity/route-access.js';
import { changeRoutes } from './routes/change-routes.js';
import { readRoutes } from './routes/read-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { webRoutes } from './routes/web-routes.js';
import type { ServerDeps } from './server-deps.js';

export type { ServerDeps } from './server-deps.js';
export { WEBHOOK_BODY_LIMIT } from './routes/webhook-routes.js';

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { log } = deps;
  const app = Fastify({
    bodyLimit: deps.bodyLimit,
    // The API answers within the daemon's own event loop; no proxy headers are trusted.
    trustProxy: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toHttpError(err);
    if (status >= 500) log.error({ err, method: req.method, url: req.url }, 'request failed');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = plain('E_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    void reply.status(status).send(body);
  });
  app.addHook('onResponse', async (req, reply) => {
    const level = req.method === 'GET' ? 'debug' : 'info';
    log[level](
      { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'http request',
    );
  });
  // A POST without a body is an empty object, so `curl -X POST .../unwind` works.
  app.addHook('preValidation', async (req) => {
    if (req.method === 'POST' && req.body === undefined) req.body = {};
  });

  guardRoutes(app, deps.auth, () => deps.stopping());
  await app.register(readRoutes, deps);
  await app.register(changeRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(webRoutes, deps);
  return app;
}
