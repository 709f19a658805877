import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateLog, type OrbitStateLog, type PushResult } from '../../src/state/index.js';
import { isOrbitError } from '../../src/util/errors.js';
import { commitTree, deployment, entry, gitOut, tempRepo } from './helpers.js';
import { waitUntil } from '../support/wait.js';
import { serviceDir, servicePath } from '../../src/state/paths.js';

const open: OrbitStateLog[] = [];
async function openLog(...args: Parameters<typeof openStateLog>): Promise<OrbitStateLog> {
  const log = await openStateLog(...args);
  open.push(log);
  return log;
}
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
});

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isOrbitError(err) ? err.code : err).toBe(code);
}

describe('state log', () => {
  it('appends entries as commits and reads them back, also with the git CLI', async () => {
    const dir = tempRepo();
    fs.writeFileSync(path.join(dir, 'README'), 'config repo\n');
    const log = await openLog({ dir });
    expect(await log.service('waffle')).toBeNull();
    const shas: string[] = [];
    for (const e of deployment('waffle-1', ['migrate', 'deploy'])) shas.push(await log.append(e));
    for (const e of deployment('waffle-2', ['migrate', 'deploy'], { previous: 'waffle-1' }))
      shas.push(await log.append(e));

    expect(await log.service('waffle')).toMatchObject({ current: 'waffle-2', last_sequence: 2 });
    expect((await log.deployment('waffle-1'))!.replaced_by).toBe('waffle-2');
    expect((await log.unwindPlan('waffle-2')).map((s) => s.step_name)).toEqual(['deploy', 'migrate']);
    expect(await log.stepLog('waffle-2', 0)).toBe('migrate forward output\n');
    expect(await log.inFlight()).toEqual([]);

    // Linear, one commit per entry, newest first in history().
    const revs = gitOut(dir, ['rev-list', '--parents', 'orbit/state']).trim().split('\n');
    expect(revs).toHaveLength(12);
    expect(revs.every((l, i) => l.split(' ').length === (i === revs.length - 1 ? 1 : 2))).toBe(true);
    const hist = [];
    for await (const h of log.history()) hist.push(h.sha);
    expect(hist).toEqual([...shas].reverse());

    expect(gitOut(dir, ['log', '-1', '--format=%s', 'orbit/state']).trim()).toBe(
      'waffle-2: deployed (commit abc1234)',
    );
    expect(gitOut(dir, ['log', '--format=%s', 'orbit/state'])).toContain(
      'waffle-2 step 1/2 migrate: applied (1.8s)',
    );
    const trailers = gitOut(dir, ['log', '-1', '--format=%(trailers)', shas[4]!]);
    expect(trailers).toContain('Orbit-Event: step-applied');
    expect(trailers).toContain(`Orbit-Previous-Entry: ${shas[3]}`);
    expect(JSON.parse(gitOut(dir, ['show', `orbit/state:${servicePath('waffle').join('/')}`])).current).toBe(
      'waffle-2',
    );
    expect(JSON.parse(gitOut(dir, ['show', `${shas[0]}:entry.json`])).kind).toBe('deploy-started');
    gitOut(dir, ['fsck', '--strict', '--no-dangling']);

    // The config repo's work tree and index are untouched.
    expect(gitOut(dir, ['status', '--porcelain']).trim()).toBe('?? README');
    expect(fs.existsSync(path.join(dir, '.git', 'index'))).toBe(false);
  });

  it('rewrites only the trees on the changed paths', async () => {
    const dir = tempRepo();
    const log = await openLog({ dir });
    for (const e of deployment('waffle-1', ['a'])) await log.append(e);
    for (const e of deployment('pancake-1', ['a'])) await log.append(e);
    const before = gitOut(dir, ['rev-parse', `orbit/state:${serviceDir('waffle').join('/')}`]).trim();
    await log.append(
      entry('unwind-started', { service_id: 'pancake', deploy_id: 'pancake-1', reason: 'user' }),
    );
    expect(gitOut(dir, ['rev-parse', `orbit/state:${serviceDir('waffle').join('/')}`]).trim()).toBe(before);
  });

  it('works in a bare repository, and a fresh open reads what an earlier one wrote', async () => {
    const dir = tempRepo({ bare: true });
    const a = await openStateLog({ dir, branch: 'deploys/log' });
    for (const e of deployment('waffle-1', ['a'])) await a.append(e);
    await a.append(entry('commit-seen', { service_id: '', config_commit: 'c42' }));
    await a.close();
    const b = await openLog({ dir, branch: 'deploys/log' });
    expect(await b.service('waffle')).toMatchObject({ current: 'waffle-1' });
    expect(await b.cursor()).toBe('c42');
    expect((await b.services()).map((s) => s.service_id)).toEqual(['waffle']);
    // An entry of an old deployment after a reopen still links to its previous entry.
    const sha = await b.append(entry('unwind-started', { deploy_id: 'waffle-1', reason: 'user' }));
    const prev = gitOut(dir, [
      'log',
      '-1',
      '--format=%(trailers:key=Orbit-Previous-Entry,valueonly)',
      sha,
    ]).trim();
    expect(JSON.parse(gitOut(dir, ['show', `${prev}:entry.json`]))).toMatchObject({
      kind: 'deploy-succeeded',
      deploy_id: 'waffle-1',
    });
    gitOut(dir, ['fsck', '--strict']);
  });

  it('filters history by service and honours a limit', async () => {
    const dir = tempRepo();
    const log = await openLog({ dir });
    for (const e of deployment('waffle-1', ['a'])) await log.append(e);
    for (const e of deployment('waffle.v2-1', ['a'])) await log.append(e);
    const kinds = [];
    for await (const h of log.history({ service: 'waffle' })) kinds.push(h.entry.kind);
    expect(kinds).toEqual(['deploy-succeeded', 'step-applied', 'step-started', 'deploy-started']);
    const limited = [];
    for await (const h of log.history({ limit: 2 })) limited.push(h.entry.service_id);
    expect(limited).toEqual(['waffle.v2', 'waffle.v2']);
  });

  it('refuses a second writer, naming the holder; a reader opens while the writer holds the lock', async () => {
    const dir = tempRepo();
    const writer = await openLog({ dir });
    for (const e of deployment('waffle-1', ['a'])) await writer.append(e);
    const err = await openStateLog({ dir }).catch((e: unknown) => e);
    expect(isOrbitError(err, 'E_STATE_LOCKED')).toBe(true);
    expect((err as { data: { holder: { pid: number } } }).data.holder.pid).toBe(process.pid);
    expect(String((err as Error).message)).toContain(String(process.pid));

    const reader = await openLog({ dir, readOnly: true });
    expect(await reader.service('waffle')).toMatchObject({ current: 'waffle-1' });
    await writer.append(entry('unwind-started', { deploy_id: 'waffle-1', reason: 'user' }));
    expect(await reader.inFlight()).toMatchObject([{ deploy_id: 'waffle-1', status: 'unwinding' }]);
    await expectCode(reader.append(entry('commit-seen', { service_id: '' })), 'E_STATE_READONLY');

    await writer.close();
    const again = await openLog({ dir });
    expect(again.lockOwner?.pid).toBe(process.pid);
  });

  it('refuses a rewritten branch, a deleted one, and a foreign one', async () => {
    const dir = tempRepo();
    const log = await openStateLog({ dir });
    for (const e of deployment('waffle-1', ['a'])) await log.append(e);
    await log.close();
    const head = gitOut(dir, ['rev-parse', 'orbit/state']).trim();

    gitOut(dir, ['update-ref', 'refs/heads/orbit/state', `${head}~1`]);
    await expectCode(openStateLog({ dir }), 'E_STATE_REWRITTEN');
    await expectCode(openStateLog({ dir, readOnly: true }), 'E_STATE_REWRITTEN');

    gitOut(dir, ['update-ref', '-d', 'refs/heads/orbit/state']);
    await expectCode(openStateLog({ dir }), 'E_STATE_REWRITTEN');

    // A branch that was never Orbit's.
    const other = tempRepo();
    execFileSync('git', [
      '-C',
      other,
      '-c',
      'user.name=x',
      '-c',
      'user.email=x@y',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'hi',
    ]);
    gitOut(other, ['branch', 'orbit/state']);
    await expectCode(openStateLog({ dir: other }), 'E_STATE_FOREIGN');
    // Nothing was overwritten.
    expect(gitOut(other, ['log', '--format=%s', 'orbit/state']).trim()).toBe('hi');
  });

  it('refuses to append when the branch moved under the writer (compare-and-swap)', async () => {
    const dir = tempRepo();
    const log = await openLog({ dir });
    const [first, ...rest] = deployment('waffle-1', ['a']);
    const sha = await log.append(first!);
    // Someone else moves the branch (to an Orbit-looking commit) behind the writer's back.
    const tree = gitOut(dir, ['rev-parse', `${sha}^{tree}`]).trim();
    const foreign = commitTree(dir, tree, sha, 'sneaky');
    gitOut(dir, ['update-ref', 'refs/heads/orbit/state', foreign]);
    await expectCode(log.append(rest[0]!), 'E_STATE_MOVED');
    expect(gitOut(dir, ['rev-parse', 'orbit/state']).trim()).toBe(foreign);
  });

  it("takes git's ref lock: waits for a git holding it, refuses after, and leaves the ref its only name at close", async () => {
    const dir = tempRepo();
    const log = await openLog({ dir });
    const [first, second, third] = deployment('waffle-1', ['a']);
    const sha = await log.append(first!);
    const ref = path.join(dir, '.git', 'refs', 'heads', 'orbit', 'state');
    // The lock the ref was renamed from was linked to a pooled temp file, which stays the ref's
    // second name in the writer's own temp dir until the branch moves on (the rename over the ref
    // then frees no file: see casBranch's keepPrepared), and goes then.
    const temp = path.join(dir, '.git', 'orbit', 'tmp');
    const namesOf = (ino: number) =>
      fs.readdirSync(temp).filter((f) => fs.statSync(path.join(temp, f)).ino === ino);
    const firstIno = fs.statSync(ref).ino;
    expect(fs.statSync(ref).nlink).toBe(2);
    expect(namesOf(firstIno)).toHaveLength(1);
    expect(fs.readFileSync(ref, 'utf8')).toBe(`${sha}\n`);
    // A ref file as git writes one; the packs read-only, as git's own.
    expect(fs.statSync(ref).mode & 0o777).toBe(0o644 & ~process.umask());
    const packDir = path.join(dir, '.git', 'objects', 'pack');
    const packs = fs.readdirSync(packDir);
    expect(packs.length).toBeGreaterThan(0);
    for (const f of packs) expect(fs.statSync(path.join(packDir, f)).mode & 0o777).toBe(0o444);

    // A git update-ref holding the lock for a moment: the append waits for it.
    fs.writeFileSync(`${ref}.lock`, '');
    const waiting = log.append(second!);
    setTimeout(() => fs.rmSync(`${ref}.lock`), 100);
    const after = await waiting;
    expect(gitOut(dir, ['rev-parse', 'orbit/state']).trim()).toBe(after);
    // The first ref's second name is removed once the branch moved past it (off the event loop).
    await waitUntil('the first ref file gone from the temp dir', () => namesOf(firstIno).length === 0);

    // One that never lets go: refused, its lock untouched, the branch where it was.
    fs.writeFileSync(`${ref}.lock`, 'someone else\n');
    await expectCode(log.append(third!), 'E_STATE_REF_LOCKED');
    expect(fs.readFileSync(`${ref}.lock`, 'utf8')).toBe('someone else\n');
    expect(gitOut(dir, ['rev-parse', 'orbit/state']).trim()).toBe(after);
    fs.rmSync(`${ref}.lock`);
    // Closed, the ref is its file's only name: nothing left that a write could reach it through.
    await log.close();
    expect(fs.statSync(ref).nlink).toBe(1);
  });

  it("gives every reader a copy, but `shared` readers (status) the log's own objects", async () => {
    const dir = tempRepo();
    const log = await openLog({ dir });
    for (const e of deployment('waffle-1', ['a'])) await log.append(e);
    const reader = await openLog({ dir, readOnly: true });
    const [view] = await reader.services();
    view!.current = 'tampered';
    (await reader.deployment('waffle-1'))!.status = 'failed';
    const [shared] = await reader.shared!.services();
    expect(shared!.current).toBe('waffle-1');
    expect((await reader.shared!.deployments(['waffle-1'])).get('waffle-1')!.status).toBe('succeeded');
    // The same objects each time: nothing is copied or parsed again.
    expect((await reader.shared!.services())[0]).toBe(shared);
  });

  it('rejects entries that would break the layout', async () => {
    const dir = tempRepo();
    const log = await openLog({ dir });
    await expectCode(log.append(entry('deploy-started', { deploy_id: '../x' })), 'E_STATE_BAD_ENTRY');
    await expectCode(log.append(entry('step-applied', { deploy_id: 'waffle-1' })), 'E_STATE_BAD_ENTRY');
    // The queue keeps working after a refused entry.
    await log.append(entry('commit-seen', { service_id: '', config_commit: 'c1' }));
    expect(await log.cursor()).toBe('c1');
  });

  it('pushes the branch after appends, to a local path, and reports a rejected push', async () => {
    const dir = tempRepo();
    const remote = tempRepo({ bare: true });
    const results: PushResult[] = [];
    const log = await openLog({ dir, pushRemote: remote, onPush: (r) => results.push(r) });
    for (const e of deployment('waffle-1', ['a'])) await log.append(e);
    await log.flushPush();
    expect(gitOut(remote, ['rev-parse', 'orbit/state']).trim()).toBe(log.head());
    expect(results.at(-1)?.ok).toBe(true);

    // The remote diverges: the push is rejected, reported, never forced.
    execFileSync('git', ['-C', remote, 'update-ref', 'refs/heads/orbit/state', `${log.head()}~1`]);
    const tree = gitOut(remote, ['rev-parse', 'orbit/state^{tree}']).trim();
    const diverged = commitTree(remote, tree, 'orbit/state', 'other');
    gitOut(remote, ['update-ref', 'refs/heads/orbit/state', diverged]);
    await log.append(entry('commit-seen', { service_id: '', config_commit: 'c2' }));
    await log.flushPush();
    expect(log.lastPushError?.code).toBe('E_STATE_PUSH_REJECTED');
    expect(results.at(-1)?.ok).toBe(false);
    expect(gitOut(remote, ['rev-parse', 'orbit/state']).trim()).toBe(diverged);
  });
});
