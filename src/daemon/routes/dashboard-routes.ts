import type { FastifyPluginAsync } from 'fastify';
import { buildPreview, type PreviewCommit } from '../../engine/preview.js';
import { mustRead } from '../../engine/agent-call.js';
import { configDiff } from '../../engine/config-diff.js';
import { idParams, serviceParams } from '../route-schemas.js';
import type { ServerDeps } from '../server-deps.js';

/**
 * The reads the dashboard adds to the API (role `viewer`, identity/route-access.ts), usable by any
 * client: a deployment's config diff from the previous deployment, sensitive values masked
 * server-side; and a service's pending commits with what each will do, as `orbit preview` says it.
 */
export const dashboardRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  const { engine } = deps;

  app.get<{ Params: { id: string } }>(
    '/api/deployments/:id/diff',
    { schema: { params: idParams } },
    async (req) => {
      const d = await mustRead(engine.state, req.params.id);
      const previous = d.previous_deploy_id ? await engine.state.deployment(d.previous_deploy_id) : null;
      const head = { deployment: d.deploy_id, previous: previous?.deploy_id ?? null };
      // Not deployed from a commit of the branch (nothing to compare): no change to show.
      if (!d.config_commit)
        return { ...head, service: d.service_id, from: null, to: null, command: null, files: [], patch: '' };
      const diff = await configDiff(
        { repoDir: engine.options.repoDir, load: (s, c) => engine.load(s, c) },
        d.service_id,
        previous?.config_commit ?? null,
        d.config_commit,
      );
      return { ...head, ...diff };
    },
  );

  app.get<{ Params: { service: string } }>(
    '/api/services/:service/pending',
    { schema: { params: serviceParams } },
    async (req) => {
      const { service } = req.params;
      const head = await engine.history.resolve(engine.branch);
      if (!head) return { service, head: null, commits: [] };
      const view = await engine.state.service(service);
      // The engine's plan of what it has not processed; a service's jobs run in branch order, so
      // those up to its latest started (or skipped, rejected) commit are no longer pending.
      const planned = await engine.pending(head);
      const own = planned.filter((p) => p.jobs.some((j) => j.service === service));
      const done = own.findIndex((p) => p.jobs.some((j) => j.commit.sha === view?.last_config_commit));
      const waiting = own.slice(done + 1);
      if (waiting.length === 0) return { service, head, commits: [] };
      // Previewed as the engine will run them: without this service's jobs that already started.
      const started = new Set(own.slice(0, done + 1));
      const rest = planned.map((p) =>
        started.has(p) ? { ...p, jobs: p.jobs.filter((j) => j.service !== service) } : p,
      );
      const preview = await buildPreview({
        repoDir: engine.options.repoDir,
        stateDir: engine.options.stateDir,
        stateBranch: engine.options.stateBranch,
        range: `${(await engine.state.cursor()) ?? head}..${head}`,
        planned: rest,
        loadSpec: (s, ref) => engine.serviceSpec(s, ref),
      });
      const wanted = new Set(waiting.map((p) => p.commit.sha));
      const commits: PreviewCommit[] = preview.commits
        .filter((c) => wanted.has(c.sha))
        .map((c) => ({ ...c, jobs: c.jobs.filter((j) => j.service === service) }));
      return { service, head, commits };
    },
  );
};
