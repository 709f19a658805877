import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { OrbitError } from '../../util/errors.js';
import { RecentDeliveries } from '../recent-deliveries.js';
import type { ServerDeps } from '../server-deps.js';
import { checkSignature, decide, payloadOf } from '../webhook.js';

/** GitHub caps webhook payloads at 25 MB; a push with many commits can be large. */
export const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

/**
 * `POST /hooks/github`. The signature covers the exact bytes sent, so this plugin keeps the body
 * as a string and parses it only after checking. A delivery id seen before (a replay, or GitHub's
 * redelivery of one that was handled) is answered `200 {duplicate: true}` and triggers nothing.
 */
export const webhookRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  const { engine, log } = deps;
  const seen = new RecentDeliveries();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  const header = (req: FastifyRequest, name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };

  app.post('/hooks/github', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (req, reply) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const delivery = header(req, 'x-github-delivery') ?? null;
    try {
      await checkSignature(deps.webhookSecret, raw, header(req, 'x-hub-signature-256'));
    } catch (err) {
      deps.metrics.webhook('rejected');
      log.warn({ delivery }, 'webhook refused: bad or missing signature');
      throw err;
    }
    if (deps.stopping())
      throw new OrbitError('E_SHUTTING_DOWN', 'the daemon is shutting down; try again later');
    // Only a signed delivery is remembered: an unsigned one cannot push a real id out.
    if (delivery !== null && !seen.add(delivery)) {
      deps.metrics.webhook('duplicate');
      log.info({ delivery }, 'webhook ignored: delivery already received');
      void reply.status(200);
      return { triggered: false, duplicate: true, delivery };
    }
    const event = header(req, 'x-github-event');
    const decision = decide(event, payloadOf(raw, header(req, 'content-type')), engine.branch);
    if (decision.action === 'ignore') {
      deps.metrics.webhook('ignored');
      log.info({ event, delivery, reason: decision.reason }, 'webhook ignored');
      void reply.status(202);
      return { triggered: false, reason: decision.reason };
    }
    deps.pushers.add(decision.commits, decision.pushedBy);
    deps.metrics.webhook('triggered');
    log.info({ event, delivery, ref: decision.ref, after: decision.after }, 'webhook: fetching');
    void deps.sync.trigger('webhook');
    void reply.status(202);
    return { triggered: true, ref: decision.ref };
  });
};
