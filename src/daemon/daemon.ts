/**
 * The daemon's lifecycle. Start: open the engine (takes the state lock: a second daemon on the
 * same repository is refused with E_STATE_LOCKED), serve the API, resolve what a crash left in
 * flight, then poll on every ref change, fetch, webhook and interval. Stop: refuse new work
 * (503), stop evaluating config, stop watching, let running jobs finish, close the engine
 * (releases the lock).
 */
import os from 'node:os';
import { AckBroker } from '../agents/ack-broker.js';
import { nativeSpawner } from '../agents/native-spawn.js';
import type { Engine } from '../engine/engine.js';
import { openEngine } from '../engine/open.js';
import { resolveGitDir } from '../state/git-cli.js';
import { loadStateSigning } from '../state/index.js';
import type { LogEntry } from '../state/types.js';
import { listenApi } from './api-listener.js';
import { Authenticator } from './identity/authenticator.js';
import { oidcVerifier } from './identity/oidc.js';
import { openConfigSource } from './config-source.js';
import { removeDiscovery, writeDiscovery } from './discovery.js';
import { EntryFeed } from './entry-feed.js';
import { entryObserver } from './entry-log.js';
import { daemonProblems, ProblemWatch } from './degraded.js';
import { boundHeapGrowth } from './heap.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { RecentPushers } from './recent-pushers.js';
import { adoptRemoteStateBranch, redactUrl } from './remote-sync.js';
import type { OrbitError } from '../util/errors.js';
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
  /** Why the daemon stopped itself (a rejected state push), if it did: the exit is non-zero. */
  readonly failure: OrbitError | null;
}

export interface StartOptions {
  logger?: Logger;
  /** Sees every log entry after the daemon's own handling (tests, benchmarks). */
  observe?(entry: LogEntry): void;
  env?: Record<string, string | undefined>;
  /** The engine's clock (schedule windows, check bake times); default the system clock. */
  now?(): Date;
  /** How often deployments waiting for a schedule window are looked at; default 15 s. */
  windowTickMs?: number;
}

export async function startDaemon(settings: DaemonSettings, options: StartOptions = {}): Promise<Daemon> {
  // Before the engine reads the log: its start-up is the first burst of allocation.
  boundHeapGrowth();
  const log = options.logger ?? createLogger({ level: settings.logLevel });
  // Before anything is opened: a malformed tokens file stops the start with its file and line.
  const auth = new Authenticator({
    tokensFile: settings.tokensFile,
    legacyToken: settings.token,
    oidc: settings.oidc ? oidcVerifier(settings.oidc) : null,
    anonymousRead: settings.anonymousRead,
  });
  const acks = new AckBroker();
  const pushers = new RecentPushers();
  const entries = new EntryFeed();
  const started = new Date().toISOString();
  const repoShown = settings.remote ? redactUrl(settings.repo) : settings.repo;

  const { repoDir, remote } = await openConfigSource(settings, log);
  const stateGitdir = await resolveGitDir(settings.stateRepo ?? repoDir);
  // The pushed state branch is the shared truth: a daemon started on another machine (failover)
  // carries on from it, and one that diverged from it does not start.
  if (settings.statePush) {
    const adopted = await adoptRemoteStateBranch(stateGitdir, settings.statePush, settings.stateBranch);
    log.info(
      { remote: redactUrl(settings.statePush), result: adopted },
      'state branch checked against its push remote',
    );
  }
  let onEntry: (e: LogEntry) => void = () => undefined;
  let failure: OrbitError | null = null;
  // Until the daemon can stop (a rejection during start-up recovery): remembered, acted on below.
  let onPushRejected: (err: OrbitError) => void = (err) => (failure ??= err);
  // Until the notifier exists (a push during start-up recovery is looked at on the next check).
  let onPushResult: () => void = () => undefined;
  const engine = await openEngine({
    repoDir,
    branch: settings.branch,
    stateBranch: settings.stateBranch,
    stateDir: settings.stateRepo ?? undefined,
    statePush: settings.statePush ?? undefined,
    // Two writers: the remote refused our push as non-fast-forward. Stop writing, never force.
    onStatePush: (r) => {
      onPushResult();
      if (!r.ok && r.error?.code === 'E_STATE_PUSH_REJECTED') onPushRejected(r.error);
    },
    maxParallel: settings.maxParallel ?? undefined,
    docker: { mode: settings.dockerMode },
    acks,
    pushedBy: (sha) => pushers.of(sha),
    env: options.env,
    now: options.now,
    observe: (e) => onEntry(e),
    stateSigning: loadStateSigning(settings.stateSigning),
    evalIsolation: { timeoutMs: settings.evalTimeoutMs },
    // The only writer of its state branch: status and views are read from memory, not git.
    stateInMemory: true,
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
  const problems = new ProblemWatch(
    () => daemonProblems(sync.status(), engine.state.lastPushError),
    (reason) => notifier.degraded(reason),
  );
  sync.onProblemChange = () => problems.check();
  onPushResult = () => problems.check();
  onEntry = entryObserver(log, metrics, (e) => {
    notifier.observe(e);
    entries.publish(e);
    options.observe?.(e);
  });

  let stopping = false;
  const { app, url } = await listenApi(
    {
      engine,
      acks,
      sync,
      metrics,
      log,
      auth,
      pushers,
      entries,
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
    auth: auth.configured
      ? { scheme: 'bearer', token_env: 'ORBIT_TOKEN', token_file: settings.tokenFile }
      : null,
  });
  if (!auth.configured)
    log.warn(
      'no API identities configured (--tokens-file, oidc, or --token-file/ORBIT_TOKEN): the API answers only /healthz and /metrics',
    );
  if (auth.legacy)
    log.warn(
      'the single API token (--token-file / ORBIT_TOKEN) is deprecated: it acts as one admin and the author it names is not verified; create named tokens with `orbit token create` and pass --tokens-file',
    );
  if (settings.anonymousRead)
    log.warn('anonymous-read is on: anyone who reaches the port reads every deployment');
  const spawner = nativeSpawner();
  if (!spawner.spawn)
    log.warn({ why: spawner.why }, 'exec steps spawn through Node (fork), not the native spawner');
  log.info(
    // Every line carries `pid` already (the logger's base).
    { url, branch: settings.branch, state_branch: settings.stateBranch },
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

  // Deployments waiting for their schedule window start by themselves when it opens (cron
  // windows are whole minutes: a tick well under one is soon enough).
  const windowTick = setInterval(() => {
    if (!stopping)
      engine
        .openWindows()
        .catch((err: unknown) => log.error({ err }, 'starting deployments whose window opened'));
  }, options.windowTickMs ?? 15_000);
  windowTick.unref();

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
      clearInterval(windowTick);
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

  const onRejected = (err: OrbitError) => {
    log.error({ err }, 'the state push was rejected: another Orbit writes to the state branch; stopping');
    // No new work from now on: stop refuses it at once and lets running steps finish.
    void stop('state push rejected');
  };
  onPushRejected = (err) => {
    if (failure) return;
    failure = err;
    onRejected(err);
  };
  if (failure) onRejected(failure);

  return {
    url,
    engine,
    sync,
    settings,
    stop,
    stopped,
    get failure() {
      return failure;
    },
  };
}
