/**
 * The daemon's HTTP API (fastify). Reads are open; every route that changes anything needs
 * `Authorization: Bearer <token>`. Bodies are JSON, size-limited and schema-checked; errors come
 * back as `{ error: { code, message } }` with the status chosen in http-errors.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AckBroker } from '../agents/ack-broker.js';
import type { Engine } from '../engine/engine.js';
import { serviceOfDeployment } from '../engine/ids.js';
import { walkBack } from '../state/chain/index.js';
import type { DeploymentRecord } from '../state/types.js';
import { OrbitError } from '../util/errors.js';
import { plain, toHttpError } from './http-errors.js';
import type { Logger } from './logger.js';
import type { DaemonMetrics } from './metrics.js';
import type { SyncLoop } from './sync-loop.js';
import { checkSignature, decide, payloadOf } from './webhook.js';

/** GitHub caps webhook payloads at 25 MB; a push with many commits can be large. */
export const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

export interface ServerDeps {
  engine: Engine;
  acks: AckBroker;
  sync: SyncLoop;
  metrics: DaemonMetrics;
  log: Logger;
  token: string | null;
  webhookSecret: string | null;
  bodyLimit: number;
  /** True once SIGTERM/SIGINT arrived: state-changing routes answer 503. */
  stopping(): boolean;
  /** Daemon facts for /healthz. */
  info(): Record<string, unknown>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

const NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';
const authorBody = (required: boolean) => ({
  type: 'object',
  additionalProperties: false,
  required: required ? ['author'] : [],
  properties: {
    author: { type: 'string', minLength: 1, maxLength: 200 },
    deployment: { type: 'string', pattern: NAME, maxLength: 200 },
  },
});
const serviceParams = {
  type: 'object',
  properties: { service: { type: 'string', pattern: NAME, maxLength: 200 } },
};
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: NAME, maxLength: 200 } } };

type AuthorBody = { author?: string; deployment?: string };

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { engine, log } = deps;
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

  /** preHandler of every state-changing route. */
  const guard = async (req: FastifyRequest): Promise<void> => {
    if (deps.stopping())
      throw new OrbitError('E_SHUTTING_DOWN', 'the daemon is shutting down; try again later');
    if (!deps.token)
      throw new OrbitError(
        'E_UNAUTHORIZED',
        'this daemon has no API token configured (--token-file or ORBIT_TOKEN): changes through the API are off',
      );
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!.trim()), digest(deps.token)))
      throw new OrbitError('E_UNAUTHORIZED', 'missing or wrong bearer token');
  };

  app.get('/healthz', async (_req, reply) => {
    const sync = deps.sync.status();
    const stopping = deps.stopping();
    void reply.status(stopping ? 503 : 200);
    return {
      status: stopping ? 'stopping' : sync.error ? 'degraded' : 'ok',
      ...deps.info(),
      queue_depth: engine.queueDepth(),
      sync,
    };
  });

  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  app.get('/api/services', async () => ({
    services: await engine.status(),
    sync: deps.sync.status(),
    waiting_acks: deps.acks.all(),
  }));

  app.get<{ Params: { service: string } }>(
    '/api/services/:service',
    { schema: { params: serviceParams } },
    async (req) => {
      const { service } = req.params;
      const status = (await engine.status()).find((s) => s.service === service);
      if (!status) throw unknownService(service);
      const view = await engine.state.service(service);
      const chain: Array<
        Pick<DeploymentRecord, 'deploy_id' | 'status' | 'config_commit' | 'author'> & {
          started_time: string;
          finished_time: string | null;
        }
      > = [];
      for await (const d of walkBack(view?.current ?? null, (id) => engine.state.deployment(id), 20)) {
        chain.push({
          deploy_id: d.deploy_id,
          status: d.status,
          config_commit: d.config_commit,
          author: d.author,
          started_time: d.started_time,
          finished_time: d.finished_time,
        });
      }
      const inFlight = status.in_flight ? deps.acks.waiting(status.in_flight) : null;
      return { ...status, view, chain, waiting_ack: inFlight };
    },
  );

  app.get<{ Params: { service: string }; Querystring: { limit?: string } }>(
    '/api/services/:service/history',
    {
      schema: {
        params: serviceParams,
        querystring: {
          type: 'object',
          // Bodies are not type-coerced, so query numbers are checked as text.
          properties: { limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$' } },
        },
      },
    },
    async (req) => {
      const { service } = req.params;
      if (!(await engine.state.service(service))) {
        if (!(await engine.status()).some((s) => s.service === service)) throw unknownService(service);
      }
      const entries = [];
      for await (const item of engine.state.history({ service, limit: Number(req.query.limit ?? 50) }))
        entries.push(item);
      return { service, entries };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/deployments/:id',
    { schema: { params: idParams } },
    async (req) => {
      const d = await engine.state.deployment(req.params.id);
      if (!d)
        throw new OrbitError('E_UNKNOWN_DEPLOYMENT', `no deployment ${req.params.id} in the log`, {
          deployId: req.params.id,
        });
      const steps = await Promise.all(
        d.steps.map(async (s) => ({ ...s, log: await engine.state.stepLog(d.deploy_id, s.step_index) })),
      );
      return { deployment: { ...d, steps }, waiting_ack: deps.acks.waiting(d.deploy_id) };
    },
  );

  const author = (body: AuthorBody | undefined, fallback: string) => body?.author ?? fallback;

  app.post<{ Params: { service: string }; Body: AuthorBody }>(
    '/api/services/:service/unwind',
    { schema: { params: serviceParams, body: authorBody(false) }, preHandler: guard },
    async (req) => {
      // The path names a service or one of its deployment ids; `deployment` must be the current one.
      const target = req.body.deployment ?? req.params.service;
      if (req.body.deployment && serviceOfDeployment(req.body.deployment) !== req.params.service)
        throw new OrbitError(
          'E_BAD_REQUEST',
          `${req.body.deployment} is not a deployment of ${req.params.service}`,
        );
      return { deployment: await engine.unwind(target, author(req.body, 'api')) };
    },
  );

  app.post<{ Params: { service: string }; Body: AuthorBody }>(
    '/api/services/:service/redeploy',
    { schema: { params: serviceParams, body: authorBody(false) }, preHandler: guard },
    async (req) => ({ deployment: await engine.redeploy(req.params.service, author(req.body, 'api')) }),
  );

  app.post<{ Params: { id: string }; Body: AuthorBody }>(
    '/api/deployments/:id/ack',
    { schema: { params: idParams, body: authorBody(true) }, preHandler: guard },
    async (req) => ({ deployment: await engine.ack(req.params.id, req.body.author!) }),
  );

  await app.register(async (hooks) => {
    // The signature covers the exact bytes sent: keep the body as a string, parse after checking.
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
    hooks.post('/hooks/github', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (req, reply) => webhook(req, reply));
  });

  async function webhook(req: FastifyRequest, reply: FastifyReply) {
    const raw = typeof req.body === 'string' ? req.body : '';
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    try {
      await checkSignature(deps.webhookSecret, raw, header('x-hub-signature-256'));
    } catch (err) {
      deps.metrics.webhook('rejected');
      log.warn({ delivery: header('x-github-delivery') }, 'webhook refused: bad or missing signature');
      throw err;
    }
    if (deps.stopping())
      throw new OrbitError('E_SHUTTING_DOWN', 'the daemon is shutting down; try again later');
    const event = header('x-github-event');
    const decision = decide(event, payloadOf(raw, header('content-type')), engine.branch);
    const delivery = header('x-github-delivery') ?? null;
    if (decision.action === 'ignore') {
      deps.metrics.webhook('ignored');
      log.info({ event, delivery, reason: decision.reason }, 'webhook ignored');
      void reply.status(202);
      return { triggered: false, reason: decision.reason };
    }
    deps.metrics.webhook('triggered');
    log.info({ event, delivery, ref: decision.ref, after: decision.after }, 'webhook: fetching');
    void deps.sync.trigger('webhook');
    void reply.status(202);
    return { triggered: true, ref: decision.ref };
  }

  return app;
}

const unknownService = (service: string) =>
  new OrbitError('E_UNKNOWN_SERVICE', `no service ${service} in the log or on the branch`, { service });
