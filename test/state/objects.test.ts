import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import git from 'isomorphic-git';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateLog, type OrbitStateLog } from '../../src/state/index.js';
import { hashObject, serialiseCommit } from '../../src/state/git-objects.js';
import { deployment, entry, gitOut, tempRepo } from './helpers.js';
import { stepsDir } from '../../src/state/paths.js';

let log: OrbitStateLog | null = null;
afterEach(async () => {
  await log?.close();
  log = null;
});

/** The packs under `objects/pack/`, by name without extension. */
function packs(gitdir: string): string[] {
  return fs
    .readdirSync(path.join(gitdir, 'objects', 'pack'))
    .filter((f) => f.endsWith('.pack'))
    .map((f) => f.slice(0, -'.pack'.length));
}

const looseCount = (dir: string): number =>
  Number(/^count: (\d+)$/m.exec(gitOut(dir, ['count-objects', '-v']))?.[1]);

describe('state log objects', () => {
  it('writes one pack per append that git reads as its own: fsck and verify-pack are clean, the index is byte for byte what git computes', async () => {
    const dir = tempRepo();
    const gitdir = path.join(dir, '.git');
    log = await openStateLog({ dir, maintenance: { packLimit: 0 } });
    let appends = 0;
    for (const e of deployment('waffle-1', ['migrate', 'deploy'])) {
      await log.append(e);
      appends++;
    }
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
    appends += 5;
    await log.close();
    log = null;

    gitOut(dir, ['fsck', '--full', '--strict', '--no-dangling']);
    // No loose objects at all: one pack (two files) per append, with nothing but the append's objects.
    expect(looseCount(dir)).toBe(0);
    const names = packs(gitdir);
    expect(names).toHaveLength(appends);
    const out = path.join(dir, 'reindexed.idx');
    for (const name of names) {
      const pack = path.join(gitdir, 'objects', 'pack', `${name}.pack`);
      // Checks the pack's and the index's checksums, every object's crc32 and that it hashes to its name.
      gitOut(dir, ['verify-pack', pack]);
      gitOut(dir, ['index-pack', '-o', out, pack]);
      expect(fs.readFileSync(out).equals(fs.readFileSync(pack.replace(/\.pack$/, '.idx')))).toBe(true);
      fs.rmSync(out);
    }
    expect(gitOut(dir, ['show', `orbit/state~2:${stepsDir('waffle-2').join('/')}/0-migrate.log`])).toBe(big);
    // Nothing left in the temp dir after close.
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

  it('a killed writer leaves only temp files and at most a pack without its index, which the next writer clears', async () => {
    const dir = tempRepo();
    log = await openStateLog({ dir });
    await log.append(entry('commit-seen', { service_id: '', config_commit: 'c1' }));
    await log.close();
    const tmp = path.join(dir, '.git', 'orbit', 'tmp');
    fs.writeFileSync(path.join(tmp, 'obj-1-dead-0'), 'torn');
    // Killed between renaming a pack and its index: git ignores such a pack; an old one goes.
    const packDir = path.join(dir, '.git', 'objects', 'pack');
    const orphan = path.join(packDir, `pack-${'a'.repeat(40)}.pack`);
    const fresh = path.join(packDir, `pack-${'b'.repeat(40)}.pack`);
    fs.writeFileSync(orphan, 'PACK');
    fs.writeFileSync(fresh, 'PACK');
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(orphan, old, old);
    log = await openStateLog({ dir });
    expect(fs.readdirSync(tmp)).not.toContain('obj-1-dead-0');
    expect(fs.existsSync(orphan)).toBe(false);
    // A fresh one may be git's own repack between its two renames: left alone.
    expect(fs.existsSync(fresh)).toBe(true);
    fs.rmSync(fresh);
    expect(packs(path.join(dir, '.git'))).toHaveLength(1);
    await log.append(entry('commit-seen', { service_id: '', config_commit: 'c2' }));
    execFileSync('git', ['-C', dir, 'fsck', '--full', '--strict', '--no-dangling'], { stdio: 'ignore' });
  });
});
