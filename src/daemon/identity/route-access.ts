/**
 * The role every route needs, in one table, applied in one place (`guardRoutes`, an onRoute hook
 * of the server): a route missing from the table stops the server from starting, so no route is
 * ever open by omission. A new route is one line here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { serviceOfDeployment } from '../../engine/ids.js';
import { OrbitError } from '../../util/errors.js';
import { ANONYMOUS, unauthorized, type Authenticator } from './authenticator.js';
import { allows, type Identity, type Role } from './roles.js';

interface Access {
  /** null: open to anyone (health, metrics; the webhook checks its own signature). */
  role: Role | null;
  /**
   * The services the request may be about, for grants limited by a glob (the role is needed for
   * each); null: none in particular.
   */
  service?(req: FastifyRequest): string[] | null;
  /** Refused with 503 while the daemon stops. */
  changes?: boolean;
}

const byService = (req: FastifyRequest) => {
  const service = (req.params as { service?: string }).service;
  return service ? [service] : null;
};
/** `:target` is a service or one of its deployment ids (`web-3`): the role is needed for both readings. */
const byTarget = (req: FastifyRequest) => {
  const target = (req.params as { service?: string }).service;
  if (!target) return null;
  const owner = serviceOfDeployment(target);
  return owner && owner !== target ? [target, owner] : [target];
};
const byDeployment = (req: FastifyRequest) => {
  const id = (req.params as { id?: string }).id;
  // An id naming no service matches no service-limited grant.
  return id ? [serviceOfDeployment(id) ?? ''] : null;
};
const open: Access = { role: null };
const read = (service?: Access['service']): Access => ({ role: 'viewer', service });
const change = (role: Role, service: Access['service']): Access => ({ role, service, changes: true });

export const ROUTE_ACCESS: Readonly<Record<string, Access>> = {
  'GET /healthz': open,
  'GET /metrics': open,
  'POST /hooks/github': open,
  // The dashboard's shell and bundled code hold no data: everything shown comes from the API.
  'GET /': open,
  'GET /assets/:name': open,
  // How the login form may sign in (the OIDC issuer and public client id), before any token.
  'GET /api/login': open,
  'GET /api/whoami': read(),
  // Each entry is sent only to identities that may read its service.
  'GET /api/events': read(),
  'GET /api/services': read(),
  'GET /api/services/:service': read(byService),
  'GET /api/services/:service/history': read(byService),
  'GET /api/deployments/:id': read(byDeployment),
  // The dashboard's: a config diff (secrets masked by the daemon) and the pending commits' preview.
  'GET /api/deployments/:id/diff': read(byDeployment),
  'GET /api/services/:service/pending': read(byService),
  'POST /api/services/:service/unwind': change('deployer', byTarget),
  'POST /api/services/:service/redeploy': change('deployer', byService),
  'POST /api/services/:service/sync': change('deployer', byService),
  'POST /api/services/:service/release': change('deployer', byService),
  // Every out-of-sync service: `*` is no service name, so only a grant for all services covers it.
  'POST /api/sync': change('deployer', () => ['*']),
  // Starting a deployment outside its schedule window is an admin's call.
  'POST /api/services/:service/deploy': change('admin', byService),
  'POST /api/deployments/:id/ack': change('approver', byDeployment),
};

const identities = new WeakMap<FastifyRequest, Identity>();

/** The identity a guarded request was authenticated as (anonymous for open reads). */
export function identityOf(req: FastifyRequest): Identity {
  const id = identities.get(req);
  if (!id) throw new OrbitError('E_INTERNAL', `no identity for ${req.method} ${req.url}: route not guarded`);
  return id;
}

/** Whether the request's identity may read `service` (list routes filter what they show). */
export const canRead = (req: FastifyRequest, service: string): boolean =>
  allows(identityOf(req), 'viewer', service);

export function guardRoutes(app: FastifyInstance, auth: Authenticator, stopping: () => boolean): void {
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      // fastify adds a HEAD route beside each GET: it answers as its GET does.
      const key = `${method === 'HEAD' ? 'GET' : method} ${route.url}`;
      const access = ROUTE_ACCESS[key];
      if (!access)
        throw new Error(`route ${key} has no entry in ROUTE_ACCESS (src/daemon/identity/route-access.ts)`);
      if (access.role === null) continue;
      const hooks = route.onRequest ? [route.onRequest].flat() : [];
      route.onRequest = [...hooks, guard(auth, access, stopping)];
    }
  });
}

function guard(auth: Authenticator, access: Access, stopping: () => boolean) {
  const role = access.role!;
  return async (req: FastifyRequest): Promise<void> => {
    if (access.changes && stopping())
      throw new OrbitError('E_SHUTTING_DOWN', 'the daemon is shutting down; try again later');
    const identity = (await auth.authenticate(req.headers.authorization)) ?? anonymous(auth, role);
    const services = access.service?.(req) ?? [null];
    const service = services.find((s) => !allows(identity, role, s));
    if (service !== undefined)
      throw new OrbitError(
        'E_FORBIDDEN',
        `${identity.name} may not ${req.method} ${req.routeOptions.url}: it needs the ${role} role${service ? ` for ${service}` : ''}`,
        { identity: identity.name, role, ...(service ? { service } : {}) },
      );
    identities.set(req, identity);
  };
}

/** No credential sent: reads pass when `anonymous-read` is on; anything else is 401. */
function anonymous(auth: Authenticator, role: Role): Identity {
  if (role === 'viewer' && auth.anonymousRead) return ANONYMOUS;
  if (!auth.configured)
    throw unauthorized(
      'this daemon has no API identities configured (--tokens-file, OIDC, or the deprecated --token-file/ORBIT_TOKEN): the API is off',
    );
  throw unauthorized();
}
