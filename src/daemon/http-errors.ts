/**
 * The one place where errors become HTTP statuses. Every error response is
 * `{ "error": { "code": "E_...", "message": "...", "data": {...} } }`; clients match on `code`.
 */
import { OrbitError } from '../util/errors.js';

const STATUS: Record<string, number> = {
  E_BAD_REQUEST: 400,
  E_USAGE: 400,
  E_UNKNOWN_REF: 400,
  E_UNAUTHORIZED: 401,
  E_BAD_SIGNATURE: 401,
  E_NOT_APPROVER: 403,
  E_NOT_FOUND: 404,
  E_UNKNOWN_SERVICE: 404,
  E_UNKNOWN_DEPLOYMENT: 404,
  E_NOT_CURRENT: 409,
  E_NOTHING_TO_UNWIND: 409,
  E_NOTHING_TO_REDEPLOY: 409,
  E_NOTHING_TO_ACK: 409,
  E_CONFIG_REWRITTEN: 409,
  E_PAYLOAD_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_CONFIG_INVALID: 422,
  E_EVAL_LIMIT: 422,
  E_SHUTTING_DOWN: 503,
  E_STATE_CLOSED: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; data?: Record<string, unknown> };
}

/** Fastify's own errors (parsing, limits, schema validation) carry `statusCode`/`validation`. */
interface FrameworkError extends Error {
  statusCode?: number;
  code?: string;
  validation?: unknown;
}

export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof OrbitError) {
    const status = STATUS[err.code] ?? 500;
    const data = status < 500 && Object.keys(err.data).length ? err.data : undefined;
    return { status, body: { error: { code: err.code, message: err.message, ...(data ? { data } : {}) } } };
  }
  const e = err as FrameworkError;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 413) return plain(413, 'E_PAYLOAD_TOO_LARGE', 'request body is too large');
  if (status === 415) return plain(415, 'E_UNSUPPORTED_MEDIA_TYPE', e.message);
  if (status >= 400 && status < 500) return plain(400, 'E_BAD_REQUEST', e.message);
  return plain(500, 'E_INTERNAL', 'internal error; see the daemon log');
}

export const plain = (status: number, code: string, message: string) => ({
  status,
  body: { error: { code, message } } as ErrorBody,
});
