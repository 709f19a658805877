/**
 * Watches a local repository's refs with chokidar: the branch's loose ref, `packed-refs` (where
 * the branch lives after `git gc`/`pack-refs`) and the reflogs (a commit always appends to them).
 * Events arrive ~15 ms after `git commit`; each one just asks for a poll, which is cheap when
 * nothing changed, so false alarms (other branches, the state log itself) cost little.
 */
import path from 'node:path';
import chokidar from 'chokidar';

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
  watcher.on('all', () => onChange());
  await new Promise<void>((resolve, reject) => {
    watcher.once('ready', () => resolve());
    watcher.once('error', reject);
  });
  return { close: () => watcher.close() };
}
