/** A real daemon on loopback whose environment (notify keys, GitHub settings) the test chooses. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import { createLogger } from '../../src/daemon/logger.js';
import { resolveSettings } from '../../src/daemon/settings.js';
import type { LogEntry } from '../../src/state/types.js';

export const API_TOKEN = 'notify-api-token';

export interface NotifyDaemon {
  daemon: Daemon;
  entries: LogEntry[];
  logs: Array<Record<string, unknown>>;
}

export async function startNotifyDaemon(repoDir: string, env: Record<string, string>): Promise<NotifyDaemon> {
  const entries: LogEntry[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      cb();
    },
  });
  const settings = resolveSettings(
    { repo: repoDir, listen: '127.0.0.1:0', 'data-dir': mkdtempSync(path.join(os.tmpdir(), 'orbit-data-')) },
    { ORBIT_TOKEN: API_TOKEN },
  );
  const daemon = await startDaemon(settings, {
    logger: createLogger({ level: 'debug', destination: sink, pretty: false }),
    env,
    observe: (e) => entries.push(e),
  });
  return { daemon, entries, logs };
}
