import type { FastifyInstance } from 'fastify';
import { OrbitError } from '../util/errors.js';
import { buildServer, type ServerDeps } from './http-server.js';

/** Builds the API and listens; returns the app and its URL (E_LISTEN when the address is taken). */
export async function listenApi(
  deps: ServerDeps,
  where: { host: string; port: number },
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildServer(deps);
  try {
    await app.listen(where);
    const addr = app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no TCP address');
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { app, url: `http://${host}:${addr.port}` };
  } catch (err) {
    await app.close().catch(() => undefined);
    throw new OrbitError(
      'E_LISTEN',
      `cannot listen on ${where.host}:${where.port}: ${(err as Error).message}`,
      {
        host: where.host,
        port: where.port,
      },
    );
  }
}
