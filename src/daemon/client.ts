/**
 * What the CLI uses to talk to a running daemon: JSON over HTTP, the bearer token from
 * `ORBIT_TOKEN`, `ORBIT_TOKEN_FILE` or the token file the daemon was started with (when this
 * user can read it). Error bodies become OrbitErrors with the daemon's code, so the CLI turns
 * them into exit codes exactly as it does for local errors.
 */
import { readFileSync } from 'node:fs';
import { isErrorCode } from '../util/error-codes.js';
import { OrbitError } from '../util/errors.js';
import type { DaemonInfo } from './discovery.js';

export function tokenFor(
  info: DaemonInfo,
  env: Record<string, string | undefined> = process.env,
): string | null {
  if (env.ORBIT_TOKEN) return env.ORBIT_TOKEN.trim();
  for (const file of [env.ORBIT_TOKEN_FILE, info.auth?.token_file]) {
    if (!file) continue;
    try {
      const t = readFileSync(file, 'utf8').trim();
      if (t) return t;
    } catch {
      // Not readable by this user: try the next source.
    }
  }
  return null;
}

export class DaemonClient {
  constructor(
    readonly info: DaemonInfo,
    private readonly token: string | null = tokenFor(info),
  ) {}

  get hasToken(): boolean {
    return this.token !== null;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: Record<string, unknown>): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  private async request<T>(method: string, path: string, body?: Record<string, unknown>): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    // Reads need a role too (at least viewer), so every request carries the token.
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.info.url + path, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      throw new OrbitError(
        'E_DAEMON_UNREACHABLE',
        `the daemon (pid ${this.info.pid}) holds this repository but ${this.info.url} does not answer: ${(err as Error).message}`,
        { url: this.info.url },
      );
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: reported below.
    }
    if (res.ok) return json as T;
    const e = (json as { error?: { code?: string; message?: string; data?: Record<string, unknown> } } | null)
      ?.error;
    // A code this CLI does not know (a newer daemon) is still an error from the daemon.
    const code = isErrorCode(e?.code) ? e.code : 'E_DAEMON_ERROR';
    let message = e?.message ?? `the daemon answered ${res.status}`;
    if (code === 'E_UNAUTHORIZED' && !this.token)
      message += "; set ORBIT_TOKEN (or ORBIT_TOKEN_FILE) to the daemon's API token";
    const data = {
      ...(e?.data ?? {}),
      status: res.status,
      ...(e?.code !== code ? { daemonCode: e?.code } : {}),
    };
    throw new OrbitError(code, `daemon: ${message}`, data);
  }
}
