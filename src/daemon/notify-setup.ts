/**
 * The daemon's notifier: notify blocks from the config repository, give-ups recorded on the state
 * branch, the GitHub reporter when `ORBIT_GITHUB_REPOSITORY` and credentials are set, and the
 * dashboard link from `ORBIT_DASHBOARD_URL` (else the daemon's own API).
 */
import type { Engine } from '../engine/engine.js';
import { githubFromEnv } from '../notify/github/client.js';
import { GitHubReporter } from '../notify/github/reporter.js';
import { Notifier, type EntrySink } from '../notify/notifier.js';
import type { Logger } from './logger.js';
import { evaluatorTargets } from './notify-targets.js';
import type { DaemonSettings } from './settings.js';

export interface NotifySetup {
  engine: Engine;
  repoDir: string;
  settings: DaemonSettings;
  log: Logger;
  env?: Record<string, string | undefined>;
  /** The daemon's URL (known once it listens). */
  url(): string;
}

export function startNotifier(s: NotifySetup): Notifier {
  const env = s.env ?? process.env;
  const base = (): string => (env.ORBIT_DASHBOARD_URL || s.url()).replace(/\/+$/, '');
  const link = (deployId: string | null | undefined): string =>
    deployId ? `${base()}/api/deployments/${encodeURIComponent(deployId)}` : `${base()}/healthz`;
  const sinks: EntrySink[] = [];
  const github = githubFromEnv(env);
  if (github) sinks.push(new GitHubReporter(github, (e) => link(e.deploy_id)));
  return new Notifier({
    targets: evaluatorTargets(s.engine, s.settings.branch),
    deployment: (id) => s.engine.state.deployment(id),
    record: (entry) => s.engine.state.append(entry),
    log: s.log,
    env,
    link: (e) => link(e?.deploy_id),
    sinks,
    // Tests and impatient operators shorten the back-off; the defaults suit real receivers.
    queue: {
      ...(env.ORBIT_NOTIFY_RETRIES ? { retries: Number(env.ORBIT_NOTIFY_RETRIES) } : {}),
      ...(env.ORBIT_NOTIFY_BACKOFF_MS ? { baseDelayMs: Number(env.ORBIT_NOTIFY_BACKOFF_MS) } : {}),
    },
  });
}
