/** Starting a real daemon in-process on loopback (port 0), and talking to it over HTTP. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startDaemon, type Daemon, type StartOptions } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/daemon/logger.js';
import { resolveSettings, type RawSettings } from '../../src/daemon/settings.js';
import type { LogEntry } from '../../src/state/types.js';

export const TOKEN = 'test-token-7c1f';
export const SECRET = 'webhook-secret-42';

export interface TestDaemon extends Daemon {
  entries: LogEntry[];
  /** Parsed pino lines. */
  logs: Array<Record<string, unknown>>;
}

export async function startTestDaemon(
  flags: RawSettings,
  env: Record<string, string> = {},
  observe?: (e: LogEntry) => void,
  options: Pick<StartOptions, 'now' | 'windowTickMs'> & {
    /** The daemon's own environment (ORBIT_VAR_*, notify keys, GitHub settings); default none. */
    daemonEnv?: Record<string, string>;
  } = {},
): Promise<TestDaemon> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      cb();
    },
  });
  const settings = resolveSettings(
    { listen: '127.0.0.1:0', 'data-dir': mkdtempSync(path.join(os.tmpdir(), 'orbit-data-')), ...flags },
    { ORBIT_TOKEN: TOKEN, ORBIT_WEBHOOK_SECRET: SECRET, ...env },
  );
  const entries: LogEntry[] = [];
  const daemon = await startDaemon(settings, {
    logger: createLogger({ level: 'debug', destination: sink, pretty: false }),
    now: options.now,
    windowTickMs: options.windowTickMs,
    env: options.daemonEnv ?? {},
    observe: (e) => {
      entries.push(e);
      observe?.(e);
    },
  });
  return Object.assign(daemon, { entries, logs });
}

export async function api(
  d: { url: string },
  method: 'GET' | 'POST',
  route: string,
  options: { body?: unknown; token?: string | null; raw?: string; headers?: Record<string, string> } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response fields freely
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  } else if (options.raw !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(d.url + route, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Prometheus text and such stay strings.
  }
  return { status: res.status, body: parsed };
}

/** The one wait of the tests (test/support/wait.ts), under the name the daemon tests use. */
export { waitUntil as waitFor } from '../support/wait.js';
