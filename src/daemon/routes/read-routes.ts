import type { FastifyPluginAsync } from 'fastify';
import { mustRead } from '../../engine/agent-call.js';
import { approvalState } from '../../engine/approval.js';
import { serviceOfDeployment } from '../../engine/ids.js';
import { walkBack } from '../../state/chain/index.js';
import type { DeploymentRecord } from '../../state/types.js';
import { OrbitError } from '../../util/errors.js';
import { daemonProblems } from '../degraded.js';
import { canRead, identityOf } from '../identity/route-access.js';
import { idParams, serviceParams } from '../route-schemas.js';
import type { ServerDeps } from '../server-deps.js';
import { readerKey, ServicesAnswer } from '../services-answer.js';

/**
 * Health and metrics (open), and the read-only API: at least `viewer` (identity/route-access.ts),
 * and a list shows only the services the caller may read.
 */
export const readRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  const { engine } = deps;
  /** The step waiting for approval, with who has approved and who still may. */
  const waitingAck = async (deployId: string, known?: DeploymentRecord) => {
    const w = deps.acks.waiting(deployId);
    const d = w ? (known ?? (await engine.state.deployment(deployId))) : null;
    return w && d ? { ...w, approval: approvalState(w, d, deps.pushers.of(d.config_commit)) } : null;
  };

  const answer = new ServicesAnswer();
  const problems = () => daemonProblems(deps.sync.status(), engine.state.lastPushError);

  app.get('/healthz', async (_req, reply) => {
    const sync = deps.sync.status();
    const stopping = deps.stopping();
    const found = problems();
    void reply.status(stopping ? 503 : 200);
    return {
      status: stopping ? 'stopping' : found.length ? 'degraded' : 'ok',
      ...deps.info(),
      queue_depth: engine.queueDepth(),
      evaluating: engine.evaluating(),
      sync,
      problems: found,
      notify: deps.notify?.() ?? {},
    };
  });

  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  app.get('/api/services', async (req, reply) => {
    const services = (await engine.status()).filter((s) => canRead(req, s.service));
    const rest = {
      sync: deps.sync.status(),
      problems: problems(),
      waiting_acks: deps.acks.all().filter((w) => canRead(req, serviceOfDeployment(w.deployId) ?? '')),
      notify: deps.notify?.() ?? {},
    };
    void reply.type('application/json; charset=utf-8');
    return answer.body(readerKey(identityOf(req)), services, JSON.stringify(rest));
  });

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
      const inFlight = status.in_flight ? await waitingAck(status.in_flight) : null;
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
      const d = await mustRead(engine.state, req.params.id);
      const steps = await Promise.all(
        d.steps.map(async (s) => ({ ...s, log: await engine.state.stepLog(d.deploy_id, s.step_index) })),
      );
      return { deployment: { ...d, steps }, waiting_ack: await waitingAck(d.deploy_id, d) };
    },
  );
};

const unknownService = (service: string) =>
  new OrbitError('E_UNKNOWN_SERVICE', `no service ${service} in the log or on the branch`, { service });
