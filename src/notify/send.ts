/**
 * One delivery attempt to one target. A failure says whether trying again can help: a 4xx (other
 * than 408/429), an unset signing key or a command that cannot start will fail the same way again.
 */
import { spawn } from 'node:child_process';
import { sign } from '@octokit/webhooks-methods';

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export const SIGNATURE_HEADER = 'X-Orbit-Signature-256';

const retryableStatus = (s: number): boolean => s >= 500 || s === 408 || s === 429;

/** POSTs a JSON body; `secret` signs the exact bytes sent (HMAC-SHA256, `sha256=<hex>`). */
export async function postJson(
  url: string,
  body: unknown,
  options: { timeoutMs: number; secret?: string; headers?: Record<string, string> },
): Promise<void> {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'orbit-notify',
    ...options.headers,
  };
  if (options.secret !== undefined) headers[SIGNATURE_HEADER] = await sign(options.secret, text);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers,
      body: text,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    throw new DeliveryError(
      timedOut ? `no answer within ${options.timeoutMs} ms` : `request failed${cause ? ` (${cause})` : ''}`,
      true,
    );
  }
  // The receiver's body is not read: it may echo what it was sent, and it is not needed.
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return;
  throw new DeliveryError(`the receiver answered ${res.status}`, retryableStatus(res.status), res.status);
}

/** Runs a command with the event's JSON on stdin; a non-zero exit may be retried. */
export function runCommand(
  argv: string[],
  stdin: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, ...env },
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(new DeliveryError(`command could not start (${err.code ?? err.message})`, false)),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new DeliveryError(
            signal ? `command stopped by ${signal} (timeout ${timeoutMs} ms)` : `command exited ${code}`,
            true,
          ),
        );
    });
  });
}
