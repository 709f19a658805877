import type { FastifyPluginAsync } from 'fastify';
import { serviceOfDeployment } from '../../engine/ids.js';
import { OrbitError } from '../../util/errors.js';
import { bearerGuard } from '../auth.js';
import {
  authorBody,
  idParams,
  overrideBody,
  serviceParams,
  syncBody,
  type AuthorBody,
  type SyncBody,
} from '../route-schemas.js';
import type { ServerDeps } from '../server-deps.js';

/**
 * The routes that change something. Registered as their own plugin, so the bearer-token hook
 * covers exactly these (fastify scopes a plugin's hooks to its routes).
 */
export const changeRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  const { engine } = deps;
  app.addHook(
    'preHandler',
    bearerGuard(deps.token, () => deps.stopping()),
  );
  const author = (body: AuthorBody | undefined, fallback: string) => body?.author ?? fallback;

  app.post<{ Params: { service: string }; Body: AuthorBody }>(
    '/api/services/:service/unwind',
    { schema: { params: serviceParams, body: authorBody(false) } },
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
    { schema: { params: serviceParams, body: authorBody(false) } },
    async (req) => {
      const deployment = await engine.redeploy(req.params.service, author(req.body, 'api'));
      // A redeploy away from the branch is what self-heal (when on) brings back.
      void deps.sync.heal();
      return { deployment };
    },
  );

  app.post<{ Params: { service: string }; Body: AuthorBody & { reason: string } }>(
    '/api/services/:service/deploy',
    { schema: { params: serviceParams, body: overrideBody } },
    async (req) => ({
      deployment: await engine.overrideWindow(req.params.service, author(req.body, 'api'), req.body.reason),
    }),
  );

  app.post<{ Params: { service: string }; Body: SyncBody }>(
    '/api/services/:service/sync',
    { schema: { params: serviceParams, body: syncBody } },
    async (req) => ({
      result: await engine.sync(req.params.service, author(req.body, 'api'), { release: req.body.release }),
    }),
  );

  app.post<{ Params: { service: string }; Body: SyncBody }>(
    '/api/services/:service/release',
    { schema: { params: serviceParams, body: syncBody } },
    async (req) => ({ result: await engine.release(req.params.service, author(req.body, 'api')) }),
  );

  app.post<{ Body: SyncBody }>('/api/sync', { schema: { body: syncBody } }, async (req) => ({
    results: await engine.syncAll(author(req.body, 'api'), { release: req.body.release }),
  }));

  app.post<{ Params: { id: string }; Body: AuthorBody }>(
    '/api/deployments/:id/ack',
    { schema: { params: idParams, body: authorBody(true) } },
    async (req) => ({ deployment: await engine.ack(req.params.id, req.body.author!) }),
  );
};
