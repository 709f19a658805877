import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import git from 'isomorphic-git';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateLog, type OrbitStateLog } from '../../src/state/index.js';
import { hashObject, serialiseCommit } from '../../src/state/git-objects.js';
import { deployment, entry, gitOut, tempRepo } from './helpers.js';

let log: OrbitStateLog | null = null;
afterEach(async () => {
  await log?.close();
  log = null;
});

/** Every loose object file under `objects/`: `[oid, path]`. */
function looseObjects(gitdir: string): [string, string][] {
  const out: [string, string][] = [];
  const root = path.join(gitdir, 'objects');
  for (const d of fs.readdirSync(root)) {
    if (!/^[0-9a-f]{2}$/.test(d)) continue;
    for (const f of fs.readdirSync(path.join(root, d))) out.push([d + f, path.join(root, d, f)]);
  }
  return out;
}

describe('state log objects', () => {
  it('writes valid loose objects directly: git fsck --full --strict is clean, every object hashes to its name', async () => {
    const dir = tempRepo();
    log = await openStateLog({ dir });
    for (const e of deployment('waffle-1', ['migrate', 'deploy'])) await log.append(e);
    // Unicode, an author git would refuse verbatim, a big log (deflated off the event loop),
    // the same content twice (an object that exists already), an empty log.
    await log.append(
      entry('deploy-started', {
        deploy_id: 'waffle-2',
        previous_deploy_id: 'waffle-1',
        author: 'Zoë <Ström> <zoe@example.com>',
        values: { greeting: 'héllo ✓' },
      }),
    );
    const big = 'línea de registro ✓\n'.repeat(40_000);
    const step = { deploy_id: 'waffle-2', step_index: 0, step_name: 'migrate', step_count: 1 };
    await log.append(entry('step-started', step));
    await log.append(entry('step-applied', { ...step, log: big, exit_code: 0 }));
    await log.append(entry('commit-seen', { service_id: '', config_commit: 'c1' }));
    await log.append(entry('commit-seen', { service_id: '', config_commit: 'c1' }));
    await log.close();
    log = null;

    const gitdir = path.join(dir, '.git');
    gitOut(dir, ['fsck', '--full', '--strict', '--no-dangling']);
    const loose = looseObjects(gitdir);
    expect(loose.length).toBeGreaterThan(50);
    for (const [oid, file] of loose) {
      const raw = inflateSync(fs.readFileSync(file));
      const nul = raw.indexOf(0);
      const [type, len] = raw.subarray(0, nul).toString().split(' ');
      expect(Number(len)).toBe(raw.length - nul - 1);
      expect(hashObject(type as 'blob', raw.subarray(nul + 1))).toBe(oid);
    }
    expect(
      gitOut(dir, [
        'show',
        'orbit/state~2:services/waffle/deployments/0-9999/0-99/waffle-2/steps/0-migrate.log',
      ]),
    ).toBe(big);
    // No temp files left among the objects, nothing left in the temp dir after close.
    expect(loose.every(([oid]) => /^[0-9a-f]{40}$/.test(oid))).toBe(true);
    expect(fs.readdirSync(path.join(gitdir, 'orbit', 'tmp'))).toEqual([]);
    expect(fs.readFileSync(path.join(gitdir, 'orbit', 'orbit%2Fstate.last'), 'utf8')).toBe(
      gitOut(dir, ['rev-parse', 'orbit/state']),
    );
    const head = gitOut(dir, ['cat-file', 'commit', 'orbit/state~4']);
    expect(head).toMatch(/^author Zoë Ström <zoe@example.com> \d+ \+0000$/m);
  });

  it('renders commits byte for byte as isomorphic-git does', async () => {
    const dir = tempRepo();
    const gitdir = path.join(dir, '.git');
    const commit = {
      tree: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
      parents: ['0123456789abcdef0123456789abcdef01234567'],
      author: { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000 },
      committer: { name: 'Orbit', email: 'orbit@localhost', timestamp: 1_700_000_001 },
      message: 'waffle-1: deployed (commit abc1234)\n\nOrbit-Event: deploy-succeeded\n',
    };
    const expected = await git.writeCommit({
      fs,
      gitdir,
      commit: {
        ...commit,
        parent: commit.parents,
        author: { ...commit.author, timezoneOffset: 0 },
        committer: { ...commit.committer, timezoneOffset: 0 },
      },
    });
    expect(hashObject('commit', serialiseCommit(commit))).toBe(expected);
  });

  it('a killed writer leaves only temp files, which the next writer clears', async () => {
    const dir = tempRepo();
    log = await openStateLog({ dir });
    await log.append(entry('commit-seen', { service_id: '', config_commit: 'c1' }));
    await log.close();
    const tmp = path.join(dir, '.git', 'orbit', 'tmp');
    fs.writeFileSync(path.join(tmp, 'obj-1-dead-0'), 'torn');
    log = await openStateLog({ dir });
    expect(fs.readdirSync(tmp)).not.toContain('obj-1-dead-0');
    await log.append(entry('commit-seen', { service_id: '', config_commit: 'c2' }));
    execFileSync('git', ['-C', dir, 'fsck', '--full', '--strict', '--no-dangling'], { stdio: 'ignore' });
  });
});
