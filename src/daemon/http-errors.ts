/**
 * The one place where errors become HTTP statuses, each code's from the registry
 * (src/util/error-codes.ts). Every error response is
 * `{ "error": { "code": "E_...", "message": "...", "data": {...} } }`; clients match on `code`.
 */
import { ERROR_CODES, isErrorCode, type ErrorCode } from '../util/error-codes.js';
import { OrbitError } from '../util/errors.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; data?: Record<string, unknown> };
}

/** Fastify's own errors (parsing, limits, schema validation) carry `statusCode`/`validation`. */
interface FrameworkError extends Error {
  statusCode?: number;
  code?: string;
  validation?: unknown;
}

export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof OrbitError) {
    const status = isErrorCode(err.code) ? ERROR_CODES[err.code].http : 500;
    // Data of a server-side failure may describe internals: it stays in the daemon's log.
    const data = status < 500 && Object.keys(err.data).length ? err.data : undefined;
    return { status, body: { error: { code: err.code, message: err.message, ...(data ? { data } : {}) } } };
  }
  const e = err as FrameworkError;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 413) return plain('E_PAYLOAD_TOO_LARGE', 'request body is too large');
  if (status === 415) return plain('E_UNSUPPORTED_MEDIA_TYPE', e.message);
  if (status >= 400 && status < 500) return plain('E_BAD_REQUEST', e.message);
  return plain('E_INTERNAL', 'internal error; see the daemon log');
}

/** An error response with no data, at its code's status. */
export const plain = (code: ErrorCode, message: string) => ({
  status: ERROR_CODES[code].http,
  body: { error: { code, message } } as ErrorBody,
});
