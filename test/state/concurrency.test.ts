import { afterEach, describe, expect, it } from 'vitest';
import { openStateLog, type LogEntry, type OrbitStateLog } from '../../src/state/index.js';
import { deployment, gitOut, tempRepo } from './helpers.js';

let log: OrbitStateLog | null = null;
afterEach(async () => {
  await log?.close();
  log = null;
});

describe('state log under concurrent writers', () => {
  it('50 deployments appending at once: exactly the expected entries, chains intact, branch linear', async () => {
    const dir = tempRepo();
    log = await openStateLog({ dir });
    const l = log;
    const plans = new Map<string, LogEntry[]>();
    for (let i = 0; i < 50; i++) plans.set(`svc${i}-1`, deployment(`svc${i}-1`, ['a', 'b', 'c']));

    // Every deployment runs its own sequence, interleaving with the others on the one branch.
    const written = new Map<string, string[]>();
    await Promise.all(
      [...plans].map(async ([id, entries]) => {
        const shas: string[] = [];
        for (const e of entries) {
          shas.push(await l.append(e));
          await new Promise((r) => setImmediate(r));
        }
        written.set(id, shas);
      }),
    );

    const total = 50 * 8;
    const revs = gitOut(dir, ['rev-list', '--parents', 'orbit/state']).trim().split('\n');
    expect(revs).toHaveLength(total);
    expect(revs.filter((r) => r.split(' ').length > 2)).toEqual([]);
    expect(gitOut(dir, ['rev-list', '--max-parents=0', 'orbit/state']).trim().split('\n')).toHaveLength(1);

    // Each deployment's entries form a chain through Orbit-Previous-Entry, in order.
    const log2 = gitOut(dir, [
      'log',
      '--format=%H %(trailers:key=Orbit-Deployment,valueonly,separator=) %(trailers:key=Orbit-Previous-Entry,valueonly,separator=)',
      'orbit/state',
    ]);
    const prevOf = new Map<string, string>();
    const byDeploy = new Map<string, number>();
    for (const line of log2.trim().split('\n')) {
      const [sha, dep, prev] = line.split(' ');
      if (prev) prevOf.set(sha!, prev);
      byDeploy.set(dep!, (byDeploy.get(dep!) ?? 0) + 1);
    }
    for (const [id, shas] of written) {
      expect(byDeploy.get(id)).toBe(8);
      for (let i = 1; i < shas.length; i++) expect(prevOf.get(shas[i]!)).toBe(shas[i - 1]);
      expect(prevOf.has(shas[0]!)).toBe(false);
      const rec = await l.deployment(id);
      expect(rec?.status).toBe('succeeded');
      expect(rec?.steps.map((s) => s.status)).toEqual(['applied', 'applied', 'applied']);
    }
    expect((await l.services()).every((s) => s.current !== null && s.in_flight === null)).toBe(true);
    // 400 entries pass the maintenance threshold: a repack may be packing in the background, and
    // fsck lists loose objects before reading them (as with git gc running beside it): let it end.
    await l.maintenance.idle();
    gitOut(dir, ['fsck', '--strict']);
  });
});
