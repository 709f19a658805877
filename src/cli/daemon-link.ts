/**
 * The CLI's commands that change or read live state (`unwind`, `redeploy`, `ack`, `status`) go
 * through a running daemon when one holds the repository's state lock, since the daemon is the
 * one writer; otherwise they work on the repository directly.
 */
import path from 'node:path';
import { DaemonClient } from '../daemon/client.js';
import { findDaemon } from '../daemon/discovery.js';
import type { RepoOptions } from './repo-options.js';

export async function daemonFor(opts: RepoOptions): Promise<DaemonClient | null> {
  const info = await findDaemon({
    repo: path.resolve(opts.repo),
    stateRepo: opts.stateRepo ? path.resolve(opts.stateRepo) : undefined,
    stateBranch: opts.stateBranch,
  });
  return info ? new DaemonClient(info) : null;
}
