import { execFile } from 'node:child_process';
import { OrbitError } from '../util/errors.js';

/** Runs the git CLI against a git dir; resolves stdout, rejects with an OrbitError carrying stderr. */
export function git(gitdir: string, args: string[], opts: { allowExit?: number[] } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['--git-dir', gitdir, ...args],
      { maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = typeof err.code === 'number' ? err.code : -1;
        if (opts.allowExit?.includes(code)) return resolve(stdout);
        reject(
          new OrbitError('E_STATE_GIT', `git ${args[0]} failed: ${stderr.trim() || err.message}`, {
            args,
            exitCode: code,
            stderr,
          }),
        );
      },
    );
  });
}

/** Exit status only (e.g. `merge-base --is-ancestor`). */
export function gitStatus(gitdir: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    execFile('git', ['--git-dir', gitdir, ...args], (err) =>
      resolve(err ? (typeof err.code === 'number' ? err.code : -1) : 0),
    );
  });
}

/** The directory holding objects and refs: `.git` of a work tree, the repo itself when bare. */
export async function resolveGitDir(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-C', dir, 'rev-parse', '--path-format=absolute', '--git-common-dir'],
      (err, out, errOut) => {
        if (err)
          reject(
            new OrbitError('E_STATE_NOT_A_REPO', `not a git repository: ${dir}: ${String(errOut).trim()}`, {
              dir,
            }),
          );
        else resolve(String(out).trim());
      },
    );
  });
}
