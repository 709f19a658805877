/** Attacks on the state branch, made the way an attacker with push access would: git plumbing. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RecordedStep {
  reverse_action: { args: string[] } | null;
}

/**
 * Commits, on top of `branch`, a copy of its tree whose deployment record at `recordPath` was
 * edited by `edit` (a temporary index: the work tree is untouched), and fast-forwards the branch
 * onto it, as a push would. `signingKey` signs it with that ssh key (`git commit-tree -S`).
 */
export function pushTamperedRecord(
  dir: string,
  recordPath: string,
  edit: (record: { steps: RecordedStep[] }) => void,
  opts: { branch?: string; signingKey?: string } = {},
): string {
  const branch = opts.branch ?? 'orbit/state';
  const index = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-idx-')), 'index');
  const env = { ...process.env, GIT_INDEX_FILE: index };
  const run = (args: string[], input?: string): string =>
    execFileSync('git', ['-C', dir, ...args], { env, encoding: 'utf8', input, stdio: 'pipe' }).trim();
  const before = run(['rev-parse', branch]);
  const record = JSON.parse(run(['show', `${branch}:${recordPath}`])) as { steps: RecordedStep[] };
  edit(record);
  run(['read-tree', branch]);
  const blob = run(['hash-object', '-w', '--stdin'], JSON.stringify(record, null, 2) + '\n');
  run(['update-index', '--cacheinfo', `100644,${blob},${recordPath}`]);
  const tree = run(['write-tree']);
  const sign = opts.signingKey ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${opts.signingKey}`] : [];
  const commit = run([
    '-c',
    'user.name=Orbit',
    '-c',
    'user.email=orbit@localhost',
    ...sign,
    'commit-tree',
    ...(opts.signingKey ? ['-S'] : []),
    tree,
    '-p',
    before,
    '-m',
    'step applied',
  ]);
  run(['update-ref', `refs/heads/${branch}`, commit, before]);
  return commit;
}
