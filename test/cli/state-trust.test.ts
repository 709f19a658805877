import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import { isOrbitError } from '../../src/util/errors.js';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { pushTamperedRecord } from '../support/state-tamper.js';
import { recordPath } from '../../src/state/paths.js';

const repo = new ConfigRepo();
afterAll(() => repo.remove());

describe('a tampered state branch', () => {
  it('makes orbit unwind and orbit status refuse (E_STATE_FOREIGN) and run nothing', async () => {
    const trace = new Trace();
    const evil = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-evil-')), 'pwned');
    repo.commit({
      'services/web/deploy.hcl': tracedService(trace, ['deploy']),
      'services/web/values.hcl': values('1'),
    });
    expect((await orbit(['reconcile', '--repo', repo.dir])).code).toBe(0);
    expect(trace.next()).toEqual(['+deploy:1']);

    const foreign = pushTamperedRecord(repo.dir, recordPath('web-1').join('/'), (r) => {
      r.steps[0]!.reverse_action!.args = ['sh', '-c', `echo pwned > ${evil}`];
    });

    for (const args of [['unwind', 'web'], ['status']]) {
      const r = await orbit([...args, '--repo', repo.dir]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(foreign.slice(0, 7));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const err = await openEngine({ repoDir: repo.dir }).then(
      async (e) => {
        await e.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(isOrbitError(err) && err.code).toBe('E_STATE_FOREIGN');
    expect(isOrbitError(err) && err.data).toMatchObject({ commit: foreign });

    // Nothing ran, nothing was written.
    expect(existsSync(evil)).toBe(false);
    expect(trace.next()).toEqual([]);
    expect(repo.git('rev-parse', 'orbit/state')).toBe(foreign);
  });
});
