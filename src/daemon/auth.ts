import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { OrbitError } from '../util/errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The check in front of every state-changing route: not while stopping (503), and only with
 * `Authorization: Bearer <token>`, compared in constant time (digests of equal length).
 */
export function bearerGuard(token: string | null, stopping: () => boolean) {
  return async (req: FastifyRequest): Promise<void> => {
    if (stopping()) throw new OrbitError('E_SHUTTING_DOWN', 'the daemon is shutting down; try again later');
    if (!token)
      throw new OrbitError(
        'E_UNAUTHORIZED',
        'this daemon has no API token configured (--token-file or ORBIT_TOKEN): changes through the API are off',
      );
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!.trim()), digest(token)))
      throw new OrbitError('E_UNAUTHORIZED', 'missing or wrong bearer token');
  };
}
