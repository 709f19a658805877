/**
 * How the CLI finds a running daemon: `<gitdir>/orbit/<state-branch>.daemon.json` holds the pid,
 * URL and how to authenticate (never the token itself: at most the path of the token file the
 * operator gave). It counts only while that pid is alive on this host and holds the state lock;
 * `ORBIT_DAEMON_URL` points the CLI at a daemon directly (another host, a container).
 */
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../state/atomic-fs.js';
import { resolveGitDir } from '../state/git-cli.js';
import { branchFileName, orbitDir } from '../state/integrity.js';
import { processAlive } from '../util/process-alive.js';

export interface DaemonInfo {
  pid: number;
  hostname: string;
  url: string;
  started: string;
  repo: string;
  branch: string;
  state_branch: string;
  auth: { scheme: 'bearer'; token_env: 'ORBIT_TOKEN'; token_file: string | null } | null;
}

export const discoveryFile = (gitdir: string, stateBranch: string): string =>
  path.join(orbitDir(gitdir), `${branchFileName(stateBranch)}.daemon.json`);

const lockOwnerFile = (gitdir: string, stateBranch: string): string =>
  path.join(orbitDir(gitdir), `${branchFileName(stateBranch)}.owner.json`);

export async function writeDiscovery(gitdir: string, info: DaemonInfo): Promise<string> {
  const file = discoveryFile(gitdir, info.state_branch);
  await writeFileAtomic(file, JSON.stringify(info, null, 2) + '\n');
  return file;
}

export async function removeDiscovery(gitdir: string, stateBranch: string, pid = process.pid): Promise<void> {
  const file = discoveryFile(gitdir, stateBranch);
  const info = await readJson<DaemonInfo>(file);
  if (info?.pid === pid) await rm(file, { force: true });
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    // No daemon wrote it, or not one this user can read: then the CLI works directly, and the
    // state lock (whose refusal names its holder) still keeps it from a second writer.
    return null;
  }
}

/** The daemon holding this repository's state branch, or null (then work on the repository directly). */
export async function findDaemon(
  opts: { repo: string; stateRepo?: string; stateBranch: string },
  env: Record<string, string | undefined> = process.env,
): Promise<DaemonInfo | null> {
  if (env.ORBIT_DAEMON_URL) {
    return {
      pid: 0,
      hostname: '',
      url: env.ORBIT_DAEMON_URL.replace(/\/+$/, ''),
      started: '',
      repo: opts.repo,
      branch: '',
      state_branch: opts.stateBranch,
      auth: { scheme: 'bearer', token_env: 'ORBIT_TOKEN', token_file: null },
    };
  }
  let gitdir: string;
  try {
    gitdir = await resolveGitDir(opts.stateRepo ?? opts.repo);
  } catch {
    // Not a repository: no daemon either; opening it directly reports E_STATE_NOT_A_REPO.
    return null;
  }
  const info = await readJson<DaemonInfo>(discoveryFile(gitdir, opts.stateBranch));
  if (!info || info.hostname !== os.hostname() || !processAlive(info.pid)) return null;
  const owner = await readJson<{ pid: number; hostname: string }>(lockOwnerFile(gitdir, opts.stateBranch));
  return owner?.pid === info.pid && owner.hostname === info.hostname ? info : null;
}
