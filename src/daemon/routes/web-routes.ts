import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { OrbitError } from '../../util/errors.js';
import { canRead, identityOf } from '../identity/route-access.js';
import type { ServerDeps } from '../server-deps.js';
import { dashboardRoutes } from './dashboard-routes.js';

/**
 * The dashboard (docs/dashboard.md): an open page shell and its bundled assets (they hold no data;
 * every datum comes from the API with the token), `GET /api/whoami` so the page hides what the
 * caller's roles cannot do, and `GET /api/events`, the entries as they are written (server-sent
 * events), only those of services the caller may read.
 */

// Built by `npm run build` into dist/web/: from src/daemon/routes/ in a checkout, beside
// dist/orbit.mjs in the bundle.
const ASSET_DIRS = ['../../../dist/web/', './web/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Orbit</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/assets/app.js"></script>
</body>
</html>
`;

/**
 * No request leaves for another origin: scripts, styles and fetches are this daemon's own, except,
 * where the dashboard signs in through OIDC, the issuer's (its discovery and token endpoint).
 */
const csp = (issuer: string | null) =>
  `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'${issuer ? ` ${new URL(issuer).origin}` : ''}; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** Keeps proxies and idle timers from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;
/**
 * How often the branch head the sync loop last read is compared: a new commit queued behind a
 * running deployment writes no entry yet, and the service page shows it as pending.
 */
const HEAD_CHECK_MS = 1_000;

function readAsset(name: string): Buffer {
  for (const dir of ASSET_DIRS) {
    const file = dir + name;
    if (existsSync(file)) return readFileSync(file);
  }
  throw new OrbitError(
    'E_DASHBOARD_NOT_BUILT',
    `the dashboard's ${name} is not built: run \`npm run build\``,
    { asset: name },
  );
}

export const webRoutes: FastifyPluginAsync<ServerDeps> = async (app, deps) => {
  await app.register(dashboardRoutes, deps);
  const streams = new Set<() => void>();
  const heads = new Set<(head: string | null) => void>();
  let seenHead = deps.sync.status().head;
  const headCheck = setInterval(() => {
    const { head } = deps.sync.status();
    if (head === seenHead) return;
    seenHead = head;
    for (const tell of heads) tell(head);
  }, HEAD_CHECK_MS);
  headCheck.unref();
  app.addHook('onClose', async () => clearInterval(headCheck));
  // Open streams never end by themselves: close them so the daemon's stop does not wait on them.
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  const login = deps.auth.oidcLogin;
  const CSP = csp(login?.issuer ?? null);
  app.get('/', async (_req, reply) => {
    void reply.header('content-security-policy', CSP).type('text/html; charset=utf-8');
    return SHELL;
  });

  // Open, like the page: how the login form may sign in (public facts of a public client).
  app.get('/api/login', async () => ({
    oidc: login ? { issuer: login.issuer, client_id: login.clientId, scope: login.scope } : null,
  }));

  app.get<{ Params: { name: string } }>('/assets/:name', async (req, reply) => {
    const type = ASSETS[req.params.name];
    if (!type) throw new OrbitError('E_NOT_FOUND', `no asset ${req.params.name}`);
    void reply.type(type).header('cache-control', 'no-cache');
    return readAsset(req.params.name);
  });

  app.get('/api/whoami', async (req) => {
    const { name, verifiedBy, grants } = identityOf(req);
    return { name, verified_by: verifiedBy, grants };
  });

  app.get('/api/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    const unsubscribe = deps.entries.subscribe((e) => {
      if (!canRead(req, e.service_id)) return;
      // What changed and where, not the entry itself: the page reads what it shows from the API.
      const data = {
        kind: e.kind,
        service: e.service_id,
        deployment: e.deploy_id,
        step: e.step_id,
        time: e.applied_time,
      };
      res.write(`event: entry\ndata: ${JSON.stringify(data)}\n\n`);
    });
    const onHead = (head: string | null) =>
      res.write(`event: head\ndata: ${JSON.stringify({ kind: 'branch-head', head })}\n\n`);
    heads.add(onHead);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    const end = () => {
      clearInterval(keepalive);
      unsubscribe();
      heads.delete(onHead);
      streams.delete(end);
      res.end();
    };
    streams.add(end);
    req.raw.on('close', end);
  });
};
