/**
 * The daemon's lifecycle. Start: open the engine (takes the state lock: a second daemon on the
 * same repository is refused with E_STATE_LOCKED), serve the API, resolve what a crash left in
 * flight, then poll on every ref change, fetch, webhook and interval. Stop: refuse new work
 * (503), stop evaluating config, stop watching, let running jobs finish, close the engine
 * (releases the lock).
 */
import os from 'node:os';
import { AckBroker } from '../agents/ack-broker.js';
import type { Engine } from '../engine/engine.js';
import { openEngine } from '../engine/open.js';
import { resolveGitDir } from '../state/git-cli.js';
import { loadStateSigning } from '../state/index.js';
import type { LogEntry } from '../state/types.js';
import { listenApi } from './api-listener.js';
import { openConfigSource } from './config-source.js';
import { removeDiscovery, writeDiscovery } from './discovery.js';
import { entryObserver } from './entry-log.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { redactUrl } from './remote-sync.js';
import type { DaemonSettings } from './settings.js';
import { SyncLoop } from './sync-loop.js';
import type { Notifier } from '../notify/notifier.js';
import { startNotifier } from './notify-setup.js';
import { startTriggers } from './triggers.js';

export interface Daemon {
  readonly url: string;
  readonly engine: Engine;
  readonly sync: SyncLoop;
  readonly settings: DaemonSettings;
  /** Graceful stop; idempotent. Resolves once the lock is released. */
  stop(reason?: string): Promise<void>;
  /** Settles when the daemon has stopped. */
  readonly stopped: Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Sees every log entry after the daemon's own handling (tests, benchmarks). */
  observe?(entry: LogEntry): void;
  env?: Record<string, string | undefined>;
}

export async function startDaemon(settings: DaemonSettings, options: StartOptions = {}): Promise<Daemon> {
  const log = options.logger ?? createLogger({ level: settings.logLevel });
  const acks = new AckBroker();
  const started = new Date().toISOString();
  const repoShown = settings.remote ? redactUrl(settings.repo) : settings.repo;

  const { repoDir, remote } = await openConfigSource(settings, log);
  let onEntry: (e: LogEntry) => void = () => undefined;
  const engine = await openEngine({
    repoDir,
    branch: settings.branch,
    stateBranch: settings.stateBranch,
    stateDir: settings.stateRepo ?? undefined,
    statePush: settings.statePush ?? undefined,
    maxParallel: settings.maxParallel ?? undefined,
    docker: { mode: settings.dockerMode },
    acks,
    env: options.env,
    observe: (e) => onEntry(e),
    stateSigning: loadStateSigning(settings.stateSigning),
    evalIsolation: { timeoutMs: settings.evalTimeoutMs },
  });

  const metrics = createMetrics(() => engine.queueDepth());
  const sync = new SyncLoop(engine, remote, log, metrics);
  // Bad GitHub settings (E_GITHUB_SETUP) stop the start, and the state lock is released.
  let notifier: Notifier;
  try {
    notifier = startNotifier({ engine, repoDir, settings, log, env: options.env, url: (): string => url });
  } catch (err) {
    await engine.close();
    throw err;
  }
  sync.onDegraded = (reason) => notifier.degraded(reason);
  onEntry = entryObserver(log, metrics, (e) => {
    notifier.observe(e);
    options.observe?.(e);
  });

  let stopping = false;
  const stateGitdir = await resolveGitDir(settings.stateRepo ?? repoDir);
  const { app, url } = await listenApi(
    {
      engine,
      acks,
      sync,
      metrics,
      log,
      token: settings.token,
      webhookSecret: settings.webhookSecret,
      bodyLimit: settings.bodyLimit,
      stopping: () => stopping,
      notify: () => notifier.health(),
      info: () => ({
        pid: process.pid,
        started,
        repo: repoShown,
        branch: settings.branch,
        state_branch: settings.stateBranch,
        mode: settings.remote ? 'fetch' : 'watch',
      }),
    },
    { host: settings.host, port: settings.port },
  ).catch(async (err: unknown) => {
    await engine.close();
    throw err;
  });

  await writeDiscovery(stateGitdir, {
    pid: process.pid,
    hostname: os.hostname(),
    url,
    started,
    repo: repoShown,
    branch: settings.branch,
    state_branch: settings.stateBranch,
    auth: settings.token
      ? { scheme: 'bearer', token_env: 'ORBIT_TOKEN', token_file: settings.tokenFile }
      : null,
  });
  if (!settings.token)
    log.warn(
      'no API token configured (--token-file or ORBIT_TOKEN): unwind, redeploy and ack through the API are off',
    );
  log.info(
    { url, branch: settings.branch, state_branch: settings.stateBranch, pid: process.pid },
    'orbit daemon listening',
  );

  // Resolve what a crash left in flight before any new commit is queued behind it.
  const recovered = await engine.recover();
  for (const o of recovered)
    log.warn({ deployment: o.deployId, status: o.status }, 'recovered an interrupted deployment');

  const triggers = await startTriggers(sync, {
    repoDir,
    branch: settings.branch,
    watch: !remote,
    intervalMs: settings.pollIntervalMs,
  });

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopRun: Promise<void> | null = null;

  const stop = (reason = 'stop requested'): Promise<void> => {
    stopRun ??= (async () => {
      stopping = true;
      log.info(
        { reason, queue_depth: engine.queueDepth() },
        'shutting down: running deployments finish, queued ones wait for the next start',
      );
      // A runaway evaluation must not hold the stop: its commit is evaluated again on the next start.
      await engine.stopEvaluations();
      await triggers.close();
      await sync.stop();
      engine.drain();
      await engine.idle();
      await sync.settled();
      notifier.close();
      await app.close();
      await engine.close();
      await removeDiscovery(stateGitdir, settings.stateBranch);
      log.info('stopped; state lock released');
      resolveStopped();
    })();
    return stopRun;
  };

  return { url, engine, sync, settings, stop, stopped };
}
