/**
 * `orbit status`'s two answers per service, against real repositories and real processes: sync
 * (synced, or out-of-sync and why) and health (healthy, progressing, failed, unwind-failed), in
 * JSON (`engine.status()`, what `--json` and the API print) and in the text table.
 */
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { statusTable } from '../../src/cli/commands/status.js';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import type { ServiceStatus } from '../../src/engine/status.js';
import { isOrbitError, type ErrorCode } from '../../src/util/errors.js';
import {
  ConfigRepo,
  Gate,
  Trace,
  execStep,
  gatedService,
  traceLine,
  tracedService,
  values,
} from '../support/config-repo.js';
import { interruptedThrice } from '../support/interrupted.js';
import { waitUntil } from '../support/wait.js';

let repo: ConfigRepo;
let trace: Trace;
let gate: Gate;
let engine: Engine | undefined;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  gate = new Gate();
});

afterEach(async () => {
  gate.open();
  await engine?.close();
  engine = undefined;
  repo.remove();
});

async function reopen(): Promise<Engine> {
  await engine?.close();
  engine = await openEngine({ repoDir: repo.dir, env: {} });
  return engine;
}

async function statusOf(service = 'web'): Promise<ServiceStatus> {
  const s = (await engine!.status()).find((x) => x.service === service);
  if (!s) throw new Error(`no status for ${service}`);
  return s;
}

/** The text table as a person reads it (no colour). */
async function text(): Promise<string[]> {
  return statusTable(await engine!.status()).map((l) => stripVTControlCharacters(l));
}

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await p.then(
    () => expect.fail(`expected ${code}`),
    (err: unknown) => {
      if (!isOrbitError(err, code)) throw err;
    },
  );
}

const web = (version: string, opts: { failVersion?: string } = {}) => ({
  'services/web/deploy.hcl': tracedService(trace, ['migrate', 'deploy'], {
    failStep: 'deploy',
    failVersion: opts.failVersion ?? 'never',
  }),
  'services/web/values.hcl': values(version),
});

describe('sync and health', () => {
  it('a commit Orbit has not processed is out of sync; after reconcile the service is synced and healthy', async () => {
    const c1 = repo.commit(web('1'));
    await reopen();
    expect(await statusOf()).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'unprocessed-commit', syncable: false },
      health: 'healthy',
      current: null,
    });
    expect((await text()).join('\n')).toContain(
      `web: out-of-sync: commit ${c1.slice(0, 7)} is not deployed yet`,
    );

    await engine!.reconcile();
    expect(await statusOf()).toMatchObject({
      sync: 'synced',
      sync_reason: null,
      health: 'healthy',
      health_reason: null,
      hold: null,
      current: { id: 'web-1' },
    });
    const lines = await text();
    // A header, then one aligned row per service, and no problem lines.
    expect(lines[0]).toMatch(/^SERVICE\s+SYNC\s+HEALTH\s+CURRENT\s+COMMIT\s+BRANCH\s+HOLD$/);
    expect(lines[1]).toMatch(new RegExp(`^web\\s+synced\\s+healthy\\s+web-1\\s+${c1.slice(0, 7)}\\s+`));
    expect(lines[1]!.indexOf('synced')).toBe(lines[0]!.indexOf('SYNC'));
    expect(lines[1]!.indexOf('web-1')).toBe(lines[0]!.indexOf('CURRENT'));
    expect(lines).toHaveLength(2);
  });

  it('a failed deployment: health failed (deployment, step, error), out of sync, and held until a new commit', async () => {
    repo.commit(web('1', { failVersion: '2' }));
    await reopen();
    await engine!.reconcile();
    const c2 = repo.commit(web('2', { failVersion: '2' }));
    await engine!.reconcile();
    trace.next();

    const s = await statusOf();
    expect(s).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'failed-commit', syncable: true },
      health: 'failed',
      health_reason: {
        deployment: 'web-2',
        step: { index: 1, name: 'deploy', status: 'failed' },
        error: { code: 'E_STEP_FAILED' },
        run: expect.stringContaining('orbit release web'),
      },
      hold: { reason: 'failure', deploy_id: 'web-2', author: 'Ann Operator <ann@example.com>' },
      current: { id: 'web-1' },
      latest: 'web-2',
      branch_commit: c2,
    });
    const lines = (await text()).join('\n');
    expect(lines).toMatch(/^web\s+out-of-sync\s+failed\s+web-1\s+\S+\s+\S+\s+held \(failure\)$/m);
    expect(lines).toContain('web: failed: web-2 failed at step 2 deploy: E_STEP_FAILED');
    expect(lines).toContain('web: on hold: web-2 failed');
    expect(lines).toContain('until a new commit touches it, `orbit redeploy web`, or `orbit release web`');

    // Held: sync refuses and runs nothing.
    await expectCode(engine!.sync('web', 'bob'), 'E_SERVICE_HELD');
    expect(trace.next()).toEqual([]);

    // A new commit lifts the hold (logged), and deploys.
    repo.commit(web('3', { failVersion: '2' }));
    await engine!.reconcile();
    expect(await statusOf()).toMatchObject({
      sync: 'synced',
      health: 'healthy',
      hold: null,
      latest: 'web-3',
    });
    const kinds: string[] = [];
    for await (const { entry } of engine!.state.history({ service: 'web', limit: 20 }))
      kinds.unshift(entry.kind);
    expect(kinds.filter((k) => k.startsWith('service-'))).toEqual(['service-held', 'service-released']);
  });

  it('an unwind holds the service: sync refuses it, sync --release deploys the branch head, redeploy and new commits lift it', async () => {
    repo.commit(web('1'));
    await reopen();
    await engine!.reconcile();
    repo.commit(web('2'));
    await engine!.reconcile();
    trace.next();

    await engine!.unwind('web', 'bob');
    expect(await statusOf()).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: {
        code: 'unwound',
        syncable: true,
        message: expect.stringContaining('web-2 unwound (bob'),
      },
      health: 'healthy',
      hold: {
        reason: 'user',
        author: 'bob',
        deploy_id: 'web-2',
        message: expect.stringContaining('orbit release web'),
      },
      current: { id: 'web-1' },
    });
    expect(await text()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^web: on hold: web-2 unwound \(bob, /)]),
    );
    await expectCode(engine!.sync('web', 'carol'), 'E_SERVICE_HELD');
    expect(trace.next()).toEqual(['-deploy:2', '-migrate:2']);

    const released = await engine!.sync('web', 'carol', { release: true });
    expect(released).toMatchObject({
      action: 'deployed',
      released: true,
      deployment: { deploy_id: 'web-3', status: 'succeeded' },
    });
    expect(trace.next()).toEqual(['+migrate:2', '+deploy:2']);
    expect(await statusOf()).toMatchObject({ sync: 'synced', hold: null, current: { id: 'web-3' } });
    const last: Array<{ kind: string; reason: string | null; author: string }> = [];
    for await (const { entry } of engine!.state.history({ service: 'web', limit: 8 })) last.unshift(entry);
    expect(last.map((e) => [e.kind, e.reason])).toEqual(
      expect.arrayContaining([
        ['service-released', 'orbit sync'],
        ['deploy-started', 'sync'],
      ]),
    );

    // Synced: nothing to do, said so.
    expect(await engine!.sync('web', 'carol')).toMatchObject({
      action: 'nothing',
      deployment: null,
      message: expect.stringContaining('synced with the branch'),
    });

    // Unwind twice, then redeploy walks forward: the redeploy lifts the hold, away from the branch.
    await engine!.unwind('web', 'bob');
    await engine!.unwind('web', 'bob');
    expect((await statusOf()).hold).toMatchObject({ reason: 'user', deploy_id: 'web-1' });
    await engine!.redeploy('web', 'dan');
    expect(await statusOf()).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'redeployed', syncable: true },
      hold: null,
    });
    expect((await text()).join('\n')).toMatch(/web: out-of-sync: web-\d+ is a redeploy of web-1/);
  });

  it('a rejected commit is out of sync; once reverted, nothing is deployed and sync deploys the branch head', async () => {
    repo.commit(web('1'));
    await reopen();
    await engine!.reconcile();
    await engine!.unwind('web', 'bob');
    const bad = repo.commit({ 'services/web/values.hcl': 'version = \n' }, 'broken');
    await engine!.reconcile();
    expect(await statusOf()).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: {
        code: 'rejected-commit',
        syncable: false,
        message: expect.stringContaining(
          `commit ${bad.slice(0, 7)} was rejected: services/web/values.hcl:1:`,
        ),
      },
      // The new commit lifted the unwind's hold, though it deployed nothing.
      hold: null,
    });
    // Sync has nothing it can deploy: the branch's config does not load.
    expect(await engine!.sync('web', 'bob')).toMatchObject({ action: 'nothing' });

    repo.revert(bad);
    await engine!.reconcile();
    expect(await statusOf()).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'not-deployed', syncable: true },
      current: null,
      hold: null,
    });
    trace.next();
    const r = await engine!.sync('web', 'bob');
    expect(r).toMatchObject({ action: 'deployed', deployment: { deploy_id: 'web-2', status: 'succeeded' } });
    expect(trace.next()).toEqual(['+migrate:1', '+deploy:1']);
    expect(await statusOf()).toMatchObject({ sync: 'synced', health: 'healthy' });
  });

  it('progressing says which step and since when; a job waiting for a slot is queued', async () => {
    repo.commit({
      'orbit.hcl': 'settings {\n  max_parallel = 1\n}\n',
      'services/api/deploy.hcl': gatedService(trace, gate),
      'services/api/values.hcl': values('1'),
      'services/web/deploy.hcl': gatedService(trace, gate),
      'services/web/values.hcl': values('1'),
    });
    await reopen();
    const running = engine!.reconcile();
    // Between its deploy-started and step-started entries a deployment is progressing at no step.
    const statuses = await waitUntil('one service deploying its step', async () => {
      const all = await engine!.status();
      return all.some((s) => s.health === 'progressing' && s.health_reason?.step) ? all : null;
    });
    const busy = statuses.find((s) => s.health === 'progressing')!;
    const other = statuses.find((s) => s !== busy)!;
    expect(busy).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'in-progress' },
      health_reason: { deployment: `${busy.service}-1`, step: { name: 'deploy', status: 'started' } },
    });
    expect(Date.parse(busy.health_reason!.since!)).not.toBeNaN();
    expect(other).toMatchObject({ sync: 'out-of-sync', sync_reason: { code: 'queued' }, health: 'healthy' });
    const lines = await text();
    expect(lines.join('\n')).toContain(
      `${busy.service}: progressing: ${busy.service}-1: deploying, step 1 deploy since `,
    );
    gate.open();
    await running;
    expect((await engine!.status()).map((s) => [s.service, s.sync, s.health])).toEqual([
      ['api', 'synced', 'healthy'],
      ['web', 'synced', 'healthy'],
    ]);
  });

  it('unwind-failed: a person must act, and status says what to run; sync refuses', async () => {
    repo.commit({
      'services/web/deploy.hcl': `variable "version" {}\n${execStep(trace, 'a', traceLine('+a'), '["sh", "-c", "echo cannot >&2; exit 3"]')}\n`,
      'services/web/values.hcl': values('1'),
    });
    await reopen();
    await engine!.reconcile();
    const d = await engine!.unwind('web', 'bob');
    expect(d.status).toBe('unwind-failed');
    expect(await statusOf()).toMatchObject({
      health: 'unwind-failed',
      health_reason: {
        deployment: 'web-1',
        step: { name: 'a', status: 'reverse-failed' },
        run: expect.stringContaining('`orbit unwind web` goes on'),
      },
    });
    expect((await text()).join('\n')).toContain('web: unwind-failed: web-1: the reverse of step 1 a failed');
    await expectCode(engine!.sync('web', 'bob', { release: true }), 'E_NEEDS_A_PERSON');
  });

  it('an interrupted deployment that is no longer retried awaits a retry, and sync runs it as one', async () => {
    await interruptedThrice(repo, trace, gate);
    // The third run is still in flight in the log, and no Orbit process runs it.
    const reader = await openEngine({ repoDir: repo.dir, env: {}, readOnly: true });
    const [left] = await reader.status();
    await reader.close();
    expect(left).toMatchObject({
      sync_reason: { code: 'awaiting-recovery', syncable: false },
      health: 'progressing',
      health_reason: {
        deployment: 'web-3',
        message: expect.stringContaining('stopped: no Orbit process runs it'),
      },
    });
    await reopen();
    // Recovery unwinds the third run and retries it no more.
    await engine!.reconcile();
    expect(await statusOf()).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: {
        code: 'interrupted',
        syncable: true,
        message: expect.stringContaining('web-3 was interrupted'),
      },
      health: 'healthy',
      hold: null,
      latest: 'web-3',
    });
    gate.open();
    const r = await engine!.sync('web', 'bob');
    expect(r.deployment).toMatchObject({ deploy_id: 'web-4', status: 'succeeded', retry_of: 'web-3' });
    expect(await statusOf()).toMatchObject({ sync: 'synced', health: 'healthy' });
  });

  it('a rewritten branch and a removed service are out of sync for reasons sync does not act on', async () => {
    repo.commit(web('1'));
    repo.commit({
      'services/api/deploy.hcl': tracedService(trace, ['deploy']),
      'services/api/values.hcl': values('1'),
    });
    repo.commit({ 'services/api/values.hcl': values('2') });
    await reopen();
    await engine!.reconcile();
    // Not a revert of what deployed api (that would unwind it): a removal, which runs nothing.
    repo.git('rm', '-q', '-r', 'services/api');
    repo.git('commit', '-q', '-m', 'remove api');
    await engine!.reconcile();
    expect(await statusOf('api')).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: {
        code: 'removed-from-branch',
        syncable: false,
        message: expect.stringContaining('orbit unwind api'),
      },
      current: { id: 'api-1' },
    });
    expect(await engine!.sync('api', 'bob')).toMatchObject({ action: 'nothing' });

    repo.git('reset', '-q', '--hard', 'HEAD~3');
    repo.commit(web('9'));
    expect(await statusOf()).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'branch-rewritten', message: expect.stringContaining('--accept-rewrite') },
    });

    // Accepting the rewrite deploys what differs, but a held service stays held.
    await engine!.unwind('web', 'bob');
    trace.next();
    const accepted = await engine!.reconcile({ acceptRewrite: true });
    expect(accepted.outcomes.filter((o) => o.service === 'web')).toEqual([]);
    expect(trace.next()).toEqual([]);
    expect(await statusOf()).toMatchObject({
      sync: 'out-of-sync',
      sync_reason: { code: 'unwound' },
      hold: { author: 'bob', deploy_id: 'web-1' },
    });
  });

  it('unknown services are refused', async () => {
    repo.commit(web('1'));
    await reopen();
    await engine!.reconcile();
    await expectCode(engine!.sync('nope', 'bob'), 'E_UNKNOWN_SERVICE');
    await expectCode(engine!.release('nope', 'bob'), 'E_UNKNOWN_SERVICE');
  });
});
