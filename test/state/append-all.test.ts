import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStateLog, type OrbitStateLog } from '../../src/state/index.js';
import { isOrbitError } from '../../src/util/errors.js';
import { commitTree, deployment, entry, gitOut, tempRepo } from './helpers.js';

const open: OrbitStateLog[] = [];
async function openLog(dir: string): Promise<OrbitStateLog> {
  const log = await openStateLog({ dir, maintenance: { packLimit: 0 } });
  open.push(log);
  return log;
}
afterEach(async () => {
  vi.useRealTimers();
  for (const l of open.splice(0)) await l.close();
});

const packs = (dir: string): number =>
  fs.readdirSync(path.join(dir, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.idx')).length;

describe('appendAll', () => {
  it('writes the very commits single appends would, as one pack and one move of the branch', async () => {
    // The committer time is the clock's: held still, the same entries give the same commits.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2025-01-02T03:05:00Z') });
    const entries = [
      ...deployment('waffle-1', ['migrate', 'deploy']),
      ...deployment('waffle-2', ['migrate', 'deploy'], { previous: 'waffle-1' }),
    ];
    const one = tempRepo();
    const single = await openLog(one);
    const singles: string[] = [];
    for (const e of entries) singles.push(await single.append(e));

    const other = tempRepo();
    const batched = await openLog(other);
    const first = await batched.appendAll(entries.slice(0, 3));
    expect(packs(other)).toBe(1);
    const rest = await batched.appendAll(entries.slice(3));
    expect(packs(other)).toBe(2);

    expect([...first, ...rest]).toEqual(singles);
    expect(gitOut(other, ['rev-parse', 'orbit/state']).trim()).toBe(singles[singles.length - 1]);
    expect(gitOut(other, ['log', '--format=%H %T %s', 'orbit/state'])).toBe(
      gitOut(one, ['log', '--format=%H %T %s', 'orbit/state']),
    );
    gitOut(other, ['fsck', '--strict', '--no-dangling']);
    // What the writer reads back is what a fresh reader reads.
    expect(await batched.service('waffle')).toEqual(await single.service('waffle'));
    expect(await batched.unwindPlan('waffle-2')).toEqual(await single.unwindPlan('waffle-2'));
    const reader = await openStateLog({ dir: other, readOnly: true });
    expect(await reader.deployment('waffle-1')).toEqual(await single.deployment('waffle-1'));
    await reader.close();
  });

  it('a batch refused by the compare-and-swap writes none of its entries, and the writer goes on from where it was', async () => {
    const dir = tempRepo();
    const log = await openLog(dir);
    const [started, ...steps] = deployment('waffle-1', ['a', 'b']);
    const head = await log.append(started!);
    // Someone else moves the branch: the batch must not land, not even its first entry.
    const tree = gitOut(dir, ['rev-parse', `${head}^{tree}`]).trim();
    const foreign = commitTree(dir, tree, head, 'not orbit');
    gitOut(dir, ['update-ref', 'refs/heads/orbit/state', foreign, head]);
    const err = await log.appendAll(steps.slice(0, 2)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isOrbitError(err) ? err.code : err).toBe('E_STATE_MOVED');
    expect(gitOut(dir, ['rev-list', '--count', 'orbit/state']).trim()).toBe('2');

    // Put back, the writer appends on its own last entry, as if the batch never was.
    gitOut(dir, ['update-ref', 'refs/heads/orbit/state', head, foreign]);
    await log.appendAll(steps.slice(0, 2));
    expect(gitOut(dir, ['log', '--format=%s', 'orbit/state']).trim().split('\n')).toEqual([
      'waffle-1 step 1/2 a: applied (1.8s)',
      'waffle-1 step 1/2 a: started',
      'waffle-1: deploy started (commit abc1234 by Ann)',
    ]);
    expect((await log.deployment('waffle-1'))!.steps).toHaveLength(1);
    gitOut(dir, ['fsck', '--strict', '--no-dangling']);
  });

  it('an empty batch writes nothing', async () => {
    const dir = tempRepo();
    const log = await openLog(dir);
    await log.append(entry('commit-seen', { service_id: '', config_commit: 'c1' }));
    const head = log.head();
    expect(await log.appendAll([])).toEqual([]);
    expect(log.head()).toBe(head);
    expect(packs(dir)).toBe(1);
  });
});
