import type { Logger } from './logger.js';
import { RemoteSync, mirrorDir, redactUrl } from './remote-sync.js';
import type { DaemonSettings } from './settings.js';

/** Where the daemon reads config from: the local repository, or a mirror of the remote it fetches. */
export interface ConfigSource {
  repoDir: string;
  remote: RemoteSync | null;
}

export async function openConfigSource(settings: DaemonSettings, log: Logger): Promise<ConfigSource> {
  if (!settings.remote) return { repoDir: settings.repo, remote: null };
  const repoDir = mirrorDir(settings.dataDir, settings.repo);
  const remote = new RemoteSync(settings.repo, repoDir, settings.branch);
  await remote.init();
  log.info(
    { url: redactUrl(settings.repo), mirror: repoDir },
    'remote repository mirrored in the data directory',
  );
  return { repoDir, remote };
}
