import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateLog, type OrbitStateLog } from '../../src/state/index.js';
import { deployment, gitOut, tempRepo } from './helpers.js';

let log: OrbitStateLog | null = null;
afterEach(async () => {
  await log?.close();
  log = null;
});

const packCount = (dir: string): number =>
  fs.readdirSync(path.join(dir, '.git/objects/pack')).filter((f) => f.endsWith('.pack')).length;

describe('state log maintenance', () => {
  it('consolidates the small packs appends leave behind, while appends and reads go on', async () => {
    const dir = tempRepo();
    log = await openStateLog({ dir, maintenance: { packLimit: 8 } });
    for (let n = 1; n <= 8; n++) {
      for (const e of deployment(`waffle-${n}`, ['migrate', 'deploy'])) await log.append(e);
      await log.maintenance.idle(); // a pass runs in the background; let each one finish here
      // The long-lived reader still finds objects whose pack a pass rolled up and removed.
      expect(await log.stepLog('waffle-1', 0)).not.toBeNull();
      expect((await log.history({ limit: 3 })[Symbol.asyncIterator]().next()).done).toBe(false);
    }
    await log.close();
    expect(log.maintenance.lastError).toBeNull();
    expect(log.maintenance.passes).toBeGreaterThan(2);
    // 48 appends, one pack each: once the passes are done, fewer packs than the limit.
    expect(packCount(dir)).toBeLessThan(8);
    const counts = gitOut(dir, ['count-objects', '-v']);
    expect(Number(/^in-pack: (\d+)$/m.exec(counts)?.[1])).toBeGreaterThan(300);

    // Everything still reads back, through Orbit and through git, and the next writer appends.
    log = await openStateLog({ dir });
    expect((await log.deployment('waffle-8'))?.status).toBe('succeeded');
    expect(await log.stepLog('waffle-1', 1)).not.toBeNull();
    for (const e of deployment('waffle-9', ['migrate'])) await log.append(e);
    expect(gitOut(dir, ['rev-list', '--count', 'orbit/state']).trim()).toBe(String(8 * 6 + 4));
    gitOut(dir, ['fsck', '--full', '--strict']);
  });

  it('rolls up, at the first append after an open, the packs and loose objects an earlier writer left', async () => {
    const dir = tempRepo();
    log = await openStateLog({ dir, maintenance: { packLimit: 0 } });
    for (const e of deployment('waffle-1', ['migrate', 'deploy', 'smoke'])) await log.append(e);
    await log.close();
    // Loose objects as an Orbit before packs wrote them (git's plumbing stands in for it).
    const loose = gitOut(dir, ['hash-object', '-w', '--stdin'], 'an object an older Orbit wrote\n').trim();
    expect(packCount(dir)).toBe(8);

    log = await openStateLog({ dir, maintenance: { packLimit: 8 } });
    for (const e of deployment('waffle-2', ['migrate'])) await log.append(e);
    await log.maintenance.idle();
    expect(log.maintenance.passes).toBe(1);
    expect(packCount(dir)).toBeLessThanOrEqual(4);
    expect(Number(/^count: (\d+)$/m.exec(gitOut(dir, ['count-objects', '-v']))?.[1])).toBe(0);
    // Nothing is pruned: the unreferenced object is kept, now packed.
    expect(gitOut(dir, ['cat-file', '-p', loose])).toBe('an object an older Orbit wrote\n');
    gitOut(dir, ['fsck', '--full', '--strict']);
  });

  it('rolls its own packs into one every 16 appends, in-process, losing nothing', async () => {
    const dir = tempRepo();
    // git's pass is off: whatever consolidates here is the writer itself.
    log = await openStateLog({ dir, maintenance: { packLimit: 0 } });
    let appends = 0;
    for (let n = 1; appends < 40; n++) {
      for (const e of deployment(`waffle-${n}`, ['migrate', 'deploy'])) {
        if (appends++ < 40) await log.append(e);
      }
      // The long-lived reader still finds objects whose pack was rolled up and removed.
      expect(await log.stepLog('waffle-1', 0)).not.toBeNull();
    }
    // 40 appends, a pack each: the first 32 rolled into two, the last 8 as they are.
    expect(packCount(dir)).toBe(10);
    expect(
      fs.readdirSync(path.join(dir, '.git/objects/pack')).filter((f) => f.endsWith('.idx')),
    ).toHaveLength(10);
    await log.close();
    expect(log.maintenance.passes).toBe(0);
    // Every object of every entry is there (fsck follows the whole history), and git reads it.
    gitOut(dir, ['fsck', '--full', '--strict', '--no-dangling']);
    expect(gitOut(dir, ['rev-list', '--count', 'orbit/state']).trim()).toBe('40');
    log = await openStateLog({ dir });
    expect((await log.deployment('waffle-1'))?.status).toBe('succeeded');
  });

  it('does nothing with packLimit = 0', async () => {
    const dir = tempRepo();
    log = await openStateLog({ dir, maintenance: { packLimit: 0 } });
    for (const e of deployment('waffle-1', ['migrate', 'deploy'])) await log.append(e);
    await log.close();
    expect(log.maintenance.passes).toBe(0);
    expect(packCount(dir)).toBe(6);
  });
});
