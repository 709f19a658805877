import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';

let repo: ConfigRepo;
let trace: Trace;
let engine: Engine;

beforeEach(async () => {
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit(
    { 'services/web/deploy.hcl': tracedService(trace, ['deploy']), 'services/web/values.hcl': values('1') },
    'web 1',
  );
  engine = await openEngine({ repoDir: repo.dir, env: {} });
  await engine.reconcile();
});

afterEach(async () => {
  await engine.close();
  repo.remove();
});

describe('a revert is recognised by what it changes, not by its message', () => {
  it('a commit that only says it reverts the current deployment’s commit deploys like any other', async () => {
    const c2 = repo.commit({ 'services/web/values.hcl': values('2') }, 'web 2');
    await engine.reconcile();
    trace.next();

    // The attack: a message that names the current deployment's commit, on a different change.
    const forged = repo.commit(
      { 'services/web/values.hcl': values('6.6.6') },
      `Revert "web 2"\n\nThis reverts commit ${c2}.`,
    );
    const report = await engine.reconcile();
    expect(report.outcomes).toMatchObject([
      { kind: 'deploy', deployId: 'web-3', status: 'succeeded', commit: forged },
    ]);
    expect(trace.next()).toEqual(['+deploy:6.6.6']);
    expect((await engine.state.deployment('web-2'))!.status).toBe('succeeded');
  });

  it('a real git revert still unwinds, and so does a hand-made one with no message', async () => {
    repo.commit({ 'services/web/values.hcl': values('2') }, 'web 2');
    await engine.reconcile();
    const c3 = repo.commit({ 'services/web/values.hcl': values('3') }, 'web 3');
    await engine.reconcile();
    trace.next();

    const revert = repo.revert(c3);
    expect((await engine.reconcile()).outcomes).toMatchObject([
      { kind: 'revert', deployId: 'web-3', status: 'unwound', commit: revert },
    ]);
    expect(trace.next()).toEqual(['-deploy:3']);

    // web-2 is current again: editing its change back by hand, with any message, undoes it.
    const byHand = repo.commit({ 'services/web/values.hcl': values('1') }, 'back to the old version');
    expect((await engine.reconcile()).outcomes).toMatchObject([
      { kind: 'revert', deployId: 'web-2', status: 'unwound', commit: byHand },
    ]);
    expect(trace.next()).toEqual(['-deploy:2']);
    expect(await engine.state.service('web')).toMatchObject({ current: 'web-1', redeployable: 'web-2' });
  });

  it('a commit that restores older files on top of a later change is an ordinary deploy', async () => {
    const c2 = repo.commit({ 'services/web/values.hcl': values('2') }, 'web 2');
    await engine.reconcile();
    repo.commit({ 'services/web/deploy.hcl': tracedService(trace, ['deploy', 'announce']) }, 'add a step');
    await engine.reconcile();
    trace.next();

    // values.hcl goes back to what c2 replaced, but deploy.hcl is not what c2 left: not a revert of c2.
    repo.commit({ 'services/web/values.hcl': values('1') }, `Revert "web 2"\n\nThis reverts commit ${c2}.`);
    expect((await engine.reconcile()).outcomes).toMatchObject([
      { kind: 'deploy', deployId: 'web-4', status: 'succeeded' },
    ]);
    expect(trace.next()).toEqual(['+deploy:1', '+announce:1']);
  });
});

describe('a commit that removes a service', () => {
  it('unwinds it when it reverts the commit that added it, and otherwise runs nothing', async () => {
    const added = repo.commit(
      { 'services/api/deploy.hcl': tracedService(trace, ['serve']), 'services/api/values.hcl': values('1') },
      'api',
    );
    await engine.reconcile();
    trace.next();
    const revert = repo.revert(added);
    expect((await engine.reconcile()).outcomes).toMatchObject([
      { kind: 'revert', service: 'api', deployId: 'api-1', status: 'unwound', commit: revert },
    ]);
    expect(trace.next()).toEqual(['-serve:1']);

    repo.commit({ 'services/web/values.hcl': values('2') }, 'web 2');
    await engine.reconcile();
    repo.git('rm', '-q', 'services/web/deploy.hcl');
    repo.git('commit', '-q', '-m', 'web goes');
    expect((await engine.reconcile()).outcomes).toMatchObject([{ service: 'web', status: 'noop' }]);
    expect(await engine.state.service('web')).toMatchObject({ current: 'web-2' });
  });
});
