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

const looseCount = (dir: string): number =>
  Number(/^count: (\d+)$/m.exec(gitOut(dir, ['count-objects', '-v']))?.[1]);

describe('state log maintenance', () => {
  it('packs the loose objects appends leave behind, while appends and reads go on', async () => {
    const dir = tempRepo();
    log = await openStateLog({ dir, maintenance: { looseObjectLimit: 40, packLimit: 3 } });
    for (let n = 1; n <= 8; n++) {
      for (const e of deployment(`waffle-${n}`, ['migrate', 'deploy'])) await log.append(e);
      await log.maintenance.idle(); // a pass runs in the background; let each one finish here
      // The long-lived reader still finds objects whose loose copies a pass removed.
      expect(await log.stepLog('waffle-1', 0)).not.toBeNull();
      expect((await log.history({ limit: 3 })[Symbol.asyncIterator]().next()).done).toBe(false);
    }
    await log.close();
    expect(log.maintenance.lastError).toBeNull();
    expect(log.maintenance.passes).toBeGreaterThan(2);
    // Consolidated: never more packs than the limit.
    expect(
      fs.readdirSync(path.join(dir, '.git/objects/pack')).filter((f) => f.endsWith('.pack')).length,
    ).toBeLessThanOrEqual(3);
    const counts = gitOut(dir, ['count-objects', '-v']);
    expect(Number(/^in-pack: (\d+)$/m.exec(counts)?.[1])).toBeGreaterThan(300);
    expect(looseCount(dir)).toBeLessThan(2 * 40); // bounded by the limit, not by history

    // Everything still reads back, through Orbit and through git, and the next writer appends.
    log = await openStateLog({ dir });
    expect((await log.deployment('waffle-8'))?.status).toBe('succeeded');
    expect(await log.stepLog('waffle-1', 1)).not.toBeNull();
    for (const e of deployment('waffle-9', ['migrate'])) await log.append(e);
    expect(gitOut(dir, ['rev-list', '--count', 'orbit/state']).trim()).toBe(String(8 * 6 + 4));
    gitOut(dir, ['fsck', '--full', '--strict']);
  });

  it('does nothing with looseObjectLimit = 0', async () => {
    const dir = tempRepo();
    log = await openStateLog({ dir, maintenance: { looseObjectLimit: 0 } });
    for (const e of deployment('waffle-1', ['migrate', 'deploy'])) await log.append(e);
    await log.close();
    expect(log.maintenance.passes).toBe(0);
    expect(looseCount(dir)).toBeGreaterThan(10);
  });
});
