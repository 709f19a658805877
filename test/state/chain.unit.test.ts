import { describe, expect, it } from 'vitest';
import {
  decideCommit,
  redeployTarget,
  undoes,
  unwindTarget,
  walkBack,
  type FilesChange,
} from '../../src/state/chain/index.js';
import type { DeploymentRecord, ServiceView } from '../../src/state/index.js';
import { emptyService } from '../../src/state/index.js';
import { isOrbitError } from '../../src/util/errors.js';

const change = (
  before: [string | null, string | null],
  after: [string | null, string | null],
): FilesChange => ({
  before,
  after,
});

const view = (fields: Partial<ServiceView>): ServiceView => ({ ...emptyService('web'), ...fields });

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('what a commit undoes (blob ids of deploy.hcl, values.hcl)', () => {
  const t = change(['d1', 'v1'], ['d1', 'v2']);

  it('undoes a commit only by restoring what it replaced, from what it left', () => {
    expect(undoes(change(['d1', 'v2'], ['d1', 'v1']), t)).toBe(true);
    // Restores the values but from a different deploy.hcl: another change came in between.
    expect(undoes(change(['d2', 'v2'], ['d2', 'v1']), t)).toBe(false);
    // From what it left, but to something else.
    expect(undoes(change(['d1', 'v2'], ['d1', 'v3']), t)).toBe(false);
    // Undoing a first commit removes the files.
    expect(undoes(change(['d1', 'v1'], [null, null]), change([null, null], ['d1', 'v1']))).toBe(true);
  });

  it('unwinds the current deployment, runs nothing for one that is gone, deploys anything else', () => {
    const back = change(['d1', 'v2'], ['d1', 'v1']);
    const current = { deployment: 'web-2', commit: 'c2', change: t };
    expect(decideCommit({ change: back, current, lastStarted: null, mentioned: null })).toEqual({
      kind: 'unwind',
      deployment: 'web-2',
      reverted: 'c2',
    });
    const older = { deployment: 'web-1', commit: 'c1', change: change([null, null], ['d1', 'v1']) };
    expect(
      decideCommit({
        change: back,
        current: older,
        lastStarted: { commit: 'c2', change: t },
        mentioned: null,
      }),
    ).toEqual({ kind: 'nothing', reverted: 'c2' });
    // The message names the current deployment's commit; the change does not undo it.
    const forged = change(['d1', 'v2'], ['d1', 'v9']);
    expect(
      decideCommit({ change: forged, current, lastStarted: null, mentioned: { commit: 'c2', change: t } }),
    ).toEqual({ kind: 'deploy', reverts: null });
    expect(
      decideCommit({
        change: back,
        current: older,
        lastStarted: null,
        mentioned: { commit: 'c2', change: t },
      }),
    ).toEqual({ kind: 'deploy', reverts: 'c2' });
  });
});

describe('what unwind and redeploy act on', () => {
  it('unwind: only the current deployment; a replaced one names what replaced it', () => {
    const v = view({ current: 'web-2' });
    expect(unwindTarget('web', v, 'web', null)).toBe('web-2');
    expect(unwindTarget('web', v, 'web-2', null)).toBe('web-2');
    const named = { replaced_by: 'web-2', status: 'succeeded' } as DeploymentRecord;
    const err = thrown(() => unwindTarget('web', v, 'web-1', named));
    expect(isOrbitError(err, 'E_NOT_CURRENT')).toBe(true);
    expect((err as { data: unknown }).data).toMatchObject({ replacedBy: 'web-2', current: 'web-2' });
    expect(
      isOrbitError(
        thrown(() => unwindTarget('web', view({}), 'web', null)),
        'E_NOTHING_TO_UNWIND',
      ),
    ).toBe(true);
  });

  it('redeploy: what was unwound last, or E_NOTHING_TO_REDEPLOY', () => {
    expect(redeployTarget('web', view({ redeployable: 'web-3' }))).toBe('web-3');
    expect(
      isOrbitError(
        thrown(() => redeployTarget('web', null)),
        'E_NOTHING_TO_REDEPLOY',
      ),
    ).toBe(true);
  });
});

describe('walking the chain', () => {
  it('walks back along previous links, once per deployment even if the log links in a circle', async () => {
    const records = new Map<string, Partial<DeploymentRecord>>([
      ['web-3', { deploy_id: 'web-3', previous_deploy_id: 'web-2' }],
      ['web-2', { deploy_id: 'web-2', previous_deploy_id: 'web-1' }],
      ['web-1', { deploy_id: 'web-1', previous_deploy_id: 'web-3' }],
    ]);
    const read = async (id: string) => (records.get(id) as DeploymentRecord) ?? null;
    const ids = async (limit?: number) => {
      const out: string[] = [];
      for await (const d of walkBack('web-3', read, limit)) out.push(d.deploy_id);
      return out;
    };
    expect(await ids()).toEqual(['web-3', 'web-2', 'web-1']);
    expect(await ids(2)).toEqual(['web-3', 'web-2']);
  });
});
