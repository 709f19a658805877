import { resolveGitDir } from '../state/git-cli.js';
import type { SyncLoop } from './sync-loop.js';
import { watchRefs, type RefWatcher } from './watcher.js';

/** What starts a sync round: ref changes of a local repository, the interval, and the start itself. */
export async function startTriggers(
  sync: SyncLoop,
  opts: { repoDir: string; branch: string; watch: boolean; intervalMs: number },
): Promise<{ close(): Promise<void> }> {
  let watcher: RefWatcher | null = null;
  if (opts.watch)
    watcher = await watchRefs(
      await resolveGitDir(opts.repoDir),
      opts.branch,
      () => void sync.trigger('ref change'),
    );
  const timer = setInterval(() => void sync.trigger('interval'), opts.intervalMs);
  timer.unref();
  void sync.trigger('start');
  return {
    async close() {
      clearInterval(timer);
      await watcher?.close();
    },
  };
}
