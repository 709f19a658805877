/**
 * Watches a local repository's refs with chokidar: the branch's loose ref, `packed-refs` (where
 * the branch lives after `git gc`/`pack-refs`) and the reflogs (a commit always appends to them).
 * Events arrive ~15 ms after `git commit`; each one just asks for a poll, which is cheap when
 * nothing changed, so false alarms (other branches, the state log itself) cost little.
 *
 * chokidar drops a path's `change` events for 50 ms after one it emitted, with no trailing event:
 * a second commit within 50 ms of the first (a script, a merge train) was seen only at the next
 * interval poll, a minute later by default. So each event also asks for one poll more, once that
 * window has passed.
 */
import path from 'node:path';
import chokidar from 'chokidar';

/** After chokidar's 50 ms window in which it drops a path's further `change` events. */
const TRAILING_MS = 75;

export interface RefWatcher {
  close(): Promise<void>;
}

export async function watchRefs(gitdir: string, branch: string, onChange: () => void): Promise<RefWatcher> {
  const watcher = chokidar.watch(
    [
      path.join(gitdir, 'refs', 'heads', ...branch.split('/')),
      path.join(gitdir, 'packed-refs'),
      path.join(gitdir, 'logs', 'HEAD'),
      path.join(gitdir, 'logs', 'refs', 'heads', ...branch.split('/')),
    ],
    { ignoreInitial: true, persistent: true },
  );
  let trailing: NodeJS.Timeout | null = null;
  watcher.on('all', () => {
    onChange();
    if (trailing) clearTimeout(trailing);
    trailing = setTimeout(() => {
      trailing = null;
      onChange();
    }, TRAILING_MS);
    trailing.unref();
  });
  await new Promise<void>((resolve, reject) => {
    watcher.once('ready', () => resolve());
    watcher.once('error', reject);
  });
  return {
    close: () => {
      if (trailing) clearTimeout(trailing);
      return watcher.close();
    },
  };
}
