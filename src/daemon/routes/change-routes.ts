import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { serviceOfDeployment } from '../../engine/ids.js';
import { OrbitError } from '../../util/errors.js';
import { identityOf } from '../identity/route-access.js';
import {
  authorBody,
  idParams,
  overrideBody,
  serviceParams,
  syncBody,
  type AuthorBody,
  type UnwindBody,
  unwindBody,
  type SyncBody,
} from '../route-schemas.js';
import type { ServerDeps } from '../server-deps.js';

/**
 * The routes that change something; who may call each is in identity/route-access.ts. The author
 * of every action is the authenticated identity: a body's `author` is taken only from the
 * deprecated shared token, which proves no one in particular.
 */
export const changeRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  const { engine } = deps;
  const actor = (req: FastifyRequest<{ Body: AuthorBody }>) => {
    const id = identityOf(req);
    return {
      author: id.legacy ? (req.body?.author ?? id.name) : id.name,
      verifiedBy: id.verifiedBy,
      groups: id.groups,
    };
  };

  app.post<{ Params: { service: string }; Body: UnwindBody }>(
    '/api/services/:service/unwind',
    { schema: { params: serviceParams, body: unwindBody } },
    async (req) => {
      // The path names a service or one of its deployment ids; `deployment` must be the current one.
      const target = req.body.deployment ?? req.params.service;
      if (req.body.deployment && serviceOfDeployment(req.body.deployment) !== req.params.service)
        throw new OrbitError(
          'E_BAD_REQUEST',
          `${req.body.deployment} is not a deployment of ${req.params.service}`,
        );
      const { author, verifiedBy } = actor(req);
      const withDependents = req.body.with_dependents === true;
      return { deployment: await engine.unwind(target, author, { verifiedBy, withDependents }) };
    },
  );

  app.post<{ Params: { service: string }; Body: AuthorBody }>(
    '/api/services/:service/redeploy',
    { schema: { params: serviceParams, body: authorBody(false) } },
    async (req) => {
      const { author, verifiedBy } = actor(req);
      const deployment = await engine.redeploy(req.params.service, author, { verifiedBy });
      // A redeploy away from the branch is what self-heal (when on) brings back.
      void deps.sync.heal();
      return { deployment };
    },
  );

  app.post<{ Params: { service: string }; Body: AuthorBody & { reason: string } }>(
    '/api/services/:service/deploy',
    { schema: { params: serviceParams, body: overrideBody } },
    async (req) => {
      const { author, verifiedBy } = actor(req);
      return {
        deployment: await engine.overrideWindow(req.params.service, author, req.body.reason, { verifiedBy }),
      };
    },
  );

  app.post<{ Params: { service: string }; Body: SyncBody }>(
    '/api/services/:service/sync',
    { schema: { params: serviceParams, body: syncBody } },
    async (req) => {
      const { author, verifiedBy } = actor(req);
      return {
        result: await engine.sync(req.params.service, author, { release: req.body.release, verifiedBy }),
      };
    },
  );

  app.post<{ Params: { service: string }; Body: SyncBody }>(
    '/api/services/:service/release',
    { schema: { params: serviceParams, body: syncBody } },
    async (req) => {
      const { author, verifiedBy } = actor(req);
      return { result: await engine.release(req.params.service, author, { verifiedBy }) };
    },
  );

  app.post<{ Body: SyncBody }>('/api/sync', { schema: { body: syncBody } }, async (req) => {
    const { author, verifiedBy } = actor(req);
    return { results: await engine.syncAll(author, { release: req.body.release, verifiedBy }) };
  });

  app.post<{ Params: { id: string }; Body: AuthorBody }>(
    '/api/deployments/:id/ack',
    { schema: { params: idParams, body: authorBody(false) } },
    async (req) => {
      const { author, verifiedBy, groups } = actor(req);
      return { deployment: await engine.ack(req.params.id, { name: author, verifiedBy, groups }) };
    },
  );
};
