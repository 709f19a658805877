/**
 * Stopping a local process with everything it started. The exec agent spawns each command
 * detached, so it leads its own process group; signalling `-pid` reaches the whole tree
 * (children and grandchildren that did not start their own session).
 */
export function signalTree(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    // The group is gone already, or this platform has no groups: try the leader alone.
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** SIGTERM to the group, then SIGKILL after `graceMs` if anything of it is still alive. */
export function killTree(pid: number, graceMs: number): { cancel(): void } {
  signalTree(pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (groupAlive(pid)) signalTree(pid, 'SIGKILL');
  }, graceMs);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
}

/** Whether any process of the group still exists (signal 0 only checks). */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    // ESRCH: the whole group has exited; EPERM: it exists but is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
