/** A real daemon on loopback whose own environment (notify keys, GitHub settings) the test chooses. */
import { TOKEN, startTestDaemon, type TestDaemon } from '../daemon/helpers.js';

export const API_TOKEN = TOKEN;

export interface NotifyDaemon {
  daemon: TestDaemon;
  entries: TestDaemon['entries'];
  logs: TestDaemon['logs'];
}

export async function startNotifyDaemon(repoDir: string, env: Record<string, string>): Promise<NotifyDaemon> {
  const daemon = await startTestDaemon({ repo: repoDir }, {}, undefined, { daemonEnv: env });
  return { daemon, entries: daemon.entries, logs: daemon.logs };
}
