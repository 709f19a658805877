/**
 * A writer killed with SIGKILL leaves its children running: a background `git repack` goes on,
 * reparented, and deletes the packs it rolled up when it is done. Git's readers look again when a
 * pack goes, but `git fsck` does not ("packfile … index not opened"), so a test that checks a
 * repository after a kill first waits for the dead writer's git processes to end, as an operator's
 * fsck would come after them.
 */
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { waitUntil } from './wait.js';

/** Pids of the processes of this machine for which `match` holds; one that ends meanwhile is left out. */
export function pidsWhere(match: (pid: string) => boolean): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (match(pid)) pids.push(Number(pid));
    } catch {
      // gone since the listing, or not readable
    }
  }
  return pids;
}

/**
 * Pids of the git processes whose arguments name `gitdir` (Orbit passes it as `--git-dir`),
 * except this process's own children (a test's open state log keeps a `cat-file --batch`).
 */
export function gitProcessesIn(gitdir: string): number[] {
  const names = new Set([gitdir, realpathSync(gitdir)]);
  return pidsWhere((pid) => {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!/(^|\/)git$/.test(argv[0] ?? '') || !argv.some((a) => names.has(a))) return false;
    return parentOf(pid) !== process.pid;
  });
}

function parentOf(pid: string): number | undefined {
  try {
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so count from the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Waits until no git process but this process's own works on `gitdir` any more. */
export async function gitProcessesEnded(gitdir: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(
    `the git processes in ${gitdir} to end`,
    () => gitProcessesIn(gitdir).length === 0,
    timeoutMs,
  );
}
