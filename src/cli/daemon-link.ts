/**
 * The CLI's commands that change or read live state (`unwind`, `redeploy`, `sync`, `release`, `ack`,
 * `status`) go through a running daemon when one holds the repository's state lock, since the daemon
 * is the one writer; otherwise they work on the repository directly.
 */
import path from 'node:path';
import { DaemonClient } from '../daemon/client.js';
import type { DaemonProblem } from '../daemon/degraded.js';
import { findDaemon } from '../daemon/discovery.js';
import { cliAuthor, type Engine, type SyncResult } from '../engine/engine.js';
import type { DeploymentRecord, DeploymentStatus } from '../state/types.js';
import { EXIT } from './exit.js';
import { entryLine, printJson, println } from './format.js';
import { withEngine, type RepoOptions } from './repo-options.js';

export async function daemonFor(opts: RepoOptions): Promise<DaemonClient | null> {
  const info = await findDaemon({
    repo: path.resolve(opts.repo),
    stateRepo: opts.stateRepo ? path.resolve(opts.stateRepo) : undefined,
    stateBranch: opts.stateBranch,
  });
  return info ? new DaemonClient(info) : null;
}

/**
 * The daemon's own troubles (a rewritten branch, a failing fetch or state push), one warning line
 * each on stderr with the fix: a command that went through it must not look as if all is well.
 * `known`: the problems a response already carried (else /healthz is asked).
 */
export async function warnIfDegraded(daemon: DaemonClient, known?: DaemonProblem[]): Promise<void> {
  let problems = known;
  if (!problems) {
    try {
      problems = (await daemon.get<{ problems?: DaemonProblem[] }>('/healthz')).problems ?? [];
    } catch {
      // The command itself got its answer; a health read that fails adds nothing to say.
      return;
    }
  }
  for (const p of problems) {
    process.stderr.write(
      `orbit: warning: the daemon at ${daemon.info.url} is degraded: ${p.code}: ${p.message.split('\n')[0]}. Fix: ${p.fix}\n`,
    );
  }
}

/**
 * The one writer does the work: the daemon when one holds the repository (after a warning line
 * per problem it has), else this process on the repository directly, with a line per log entry.
 */
async function throughDaemonOrEngine<T>(
  opts: RepoOptions & { json?: boolean },
  action: { route: string; body: Record<string, unknown>; run(engine: Engine): Promise<T> },
  fromDaemon: (answer: unknown) => T,
): Promise<{ value: T; daemon: DaemonClient | null }> {
  const daemon = await daemonFor(opts);
  if (daemon) {
    await warnIfDegraded(daemon);
    return { value: fromDaemon(await daemon.post<unknown>(action.route, action.body)), daemon };
  }
  const value = await withEngine(
    opts,
    {
      readOnly: false,
      interruptible: true,
      observe: opts.json ? undefined : (e) => println(entryLine(e)),
    },
    action.run,
  );
  return { value, daemon: null };
}

/**
 * The daemon to read through: the one ORBIT_DAEMON_URL names, or the local one when this user
 * holds a token for it. Reads need a role too; without a token, reading the repository directly
 * shows the same (whoever can read it can read the log).
 */
export async function daemonForReading(opts: RepoOptions): Promise<DaemonClient | null> {
  const daemon = await daemonFor(opts);
  return daemon && (daemon.hasToken || process.env.ORBIT_DAEMON_URL) ? daemon : null;
}

/**
 * Runs a state-changing action through the daemon when one holds the repository (it is the one
 * writer), else on the repository directly with live output; prints the deployment and sets the
 * exit code from whether it reached `expected`.
 */
export async function changeDeployment(
  opts: RepoOptions & { json?: boolean },
  action: {
    route: string;
    /** More of the request body than the author. */
    body?: Record<string, unknown>;
    run(engine: Engine): Promise<DeploymentRecord>;
    expected: DeploymentStatus;
  },
): Promise<void> {
  const { value: d, daemon } = await throughDaemonOrEngine(
    opts,
    { route: action.route, body: { ...action.body, author: cliAuthor() }, run: action.run },
    (answer) => (answer as { deployment: DeploymentRecord }).deployment,
  );
  if (opts.json) printJson(d);
  else if (daemon) println(`${d.deploy_id}: ${d.status} (through the daemon at ${daemon.info.url})`);
  if (!opts.json && (d.status === 'running' || d.status === 'unwinding')) {
    println(`${d.deploy_id}: interrupted while ${d.status}; the next \`orbit reconcile\` resolves it`);
  }
  if (d.status !== action.expected) process.exitCode = EXIT.failed;
}

/**
 * `orbit sync` and `orbit release`: a line per service (what was deployed, or why nothing was);
 * exit 1 when a deployment did not succeed or the head's config does not load, 0 when there was
 * nothing to do.
 */
export async function runSyncCommand(
  opts: RepoOptions & { json?: boolean },
  action: { route: string; body: Record<string, unknown>; run(engine: Engine): Promise<SyncResult[]> },
): Promise<void> {
  const { value: results, daemon } = await throughDaemonOrEngine(opts, action, (answer) => {
    const a = answer as { result?: SyncResult; results?: SyncResult[] };
    return a.results ?? (a.result ? [a.result] : []);
  });
  if (opts.json) printJson(results);
  else if (results.length === 0) println('every service is synced with the branch: nothing to deploy');
  else {
    const via = daemon ? ` (through the daemon at ${daemon.info.url})` : '';
    for (const r of results) {
      const released = r.released ? ' (hold released)' : '';
      const text = r.deployment ? `${r.deployment.deploy_id} ${r.deployment.status}${released}` : r.message;
      println(`${r.service}: ${text}${via}`);
    }
  }
  const bad = results.some(
    (r) => r.action === 'rejected' || (r.deployment !== null && r.deployment.status !== 'succeeded'),
  );
  if (bad) process.exitCode = EXIT.failed;
}
