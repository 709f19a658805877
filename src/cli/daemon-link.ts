/**
 * The CLI's commands that change or read live state (`unwind`, `redeploy`, `ack`, `status`) go
 * through a running daemon when one holds the repository's state lock, since the daemon is the
 * one writer; otherwise they work on the repository directly.
 */
import path from 'node:path';
import { DaemonClient } from '../daemon/client.js';
import { findDaemon } from '../daemon/discovery.js';
import { cliAuthor, type Engine } from '../engine/engine.js';
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
    run(engine: Engine): Promise<DeploymentRecord>;
    expected: DeploymentStatus;
  },
): Promise<void> {
  const daemon = await daemonFor(opts);
  const d = daemon
    ? (await daemon.post<{ deployment: DeploymentRecord }>(action.route, { author: cliAuthor() })).deployment
    : await withEngine(
        opts,
        {
          readOnly: false,
          interruptible: true,
          observe: opts.json ? undefined : (e) => println(entryLine(e)),
        },
        action.run,
      );
  if (opts.json) printJson(d);
  else if (daemon) println(`${d.deploy_id}: ${d.status} (through the daemon at ${daemon.info.url})`);
  if (!opts.json && (d.status === 'running' || d.status === 'unwinding')) {
    println(`${d.deploy_id}: interrupted while ${d.status}; the next \`orbit reconcile\` resolves it`);
  }
  if (d.status !== action.expected) process.exitCode = EXIT.failed;
}
