/**
 * The daemon keeps the log's projection in memory (`stateInMemory`, status/memory-state.ts):
 * whatever happened (deploys that succeed or fail, unwinds, redeploys, releases, approvals,
 * reverts), what it answers must be what a fresh read of the branch says: every view, every
 * deployment status judges by, and the status itself. And a branch moved under it is refused.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { serviceStatuses } from '../../src/engine/status.js';
import { namedDeployments } from '../../src/engine/status/memory-state.js';
import { openStateLog } from '../../src/state/index.js';
import { isOrbitError } from '../../src/util/errors.js';
import { ConfigRepo } from '../support/config-repo.js';

const repos: ConfigRepo[] = [];
const engines: Engine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const r of repos.splice(0)) r.remove();
});

/** Two exec steps; the second fails for a version starting with `bad`. */
const EXEC = `variable "version" {}
step {
  name    = "migrate"
  agent   = "exec"
  forward = ["true"]
  reverse = ["true"]
}
step {
  name    = "release"
  agent   = "exec"
  forward = ["sh", "-c", "case $ORBIT_VAR_version in bad*) exit 3;; esac"]
  reverse = ["true"]
}
`;

/** A step that waits for an approval between two exec steps. */
const GATED = `variable "version" {}
step {
  name    = "build"
  agent   = "exec"
  forward = ["true"]
  reverse = ["true"]
}
step {
  name    = "approve"
  agent   = "ack"
  timeout = "60s"
}
step {
  name    = "deploy"
  agent   = "exec"
  forward = ["true"]
  reverse = ["true"]
}
`;

type Op =
  | { kind: 'deploy'; service: 'a' | 'b'; fail: boolean }
  | { kind: 'unwind' | 'redeploy' | 'release'; service: 'a' | 'b' | 'g' }
  | { kind: 'approved-deploy' }
  | { kind: 'revert' };

const service = fc.constantFrom('a' as const, 'b' as const);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('deploy' as const), service, fail: fc.boolean() }), weight: 4 },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom('unwind' as const, 'redeploy' as const, 'release' as const),
      service: fc.constantFrom('a' as const, 'b' as const, 'g' as const),
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ kind: 'approved-deploy' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'revert' as const }), weight: 1 },
);

/** Refusals (nothing to unwind, held, ...) are answers too: the log must still agree. */
const refused = (err: unknown): void => {
  if (!isOrbitError(err)) throw err;
};

async function run(engine: Engine, repo: ConfigRepo, o: Op, n: number): Promise<void> {
  const poll = async () => (await engine.poll()).done;
  switch (o.kind) {
    case 'deploy':
      repo.commit({ [`services/${o.service}/values.hcl`]: `version = "${o.fail ? 'bad' : 'v'}${n}"\n` });
      await poll();
      return;
    case 'approved-deploy':
      repo.commit({ 'services/g/values.hcl': `version = "v${n}"\n` });
      await poll();
      return;
    case 'revert':
      repo.revert('HEAD');
      await poll();
      return;
    case 'unwind':
      await engine.unwind(o.service, 'tester').catch(refused);
      return;
    case 'redeploy':
      await engine.redeploy(o.service, 'tester').catch(refused);
      return;
    case 'release':
      await engine.release(o.service, 'tester').catch(refused);
      return;
  }
}

/**
 * Runs `work` while a person approves every step that waits (any deployment of g: a commit, a
 * revert of a revert, a redeploy), so nothing waits for the approval's timeout.
 */
async function approving<T>(engine: Engine, work: Promise<T>): Promise<T> {
  let done = false;
  const approver = (async () => {
    while (!done) {
      for (const w of engine.options.acks!.all())
        await engine.ack(w.deployId, 'Bea Approver <bea@example.com>').catch(refused);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    return await work;
  } finally {
    done = true;
    await approver;
  }
}

/** What a fresh reader of the branch sees equals what the engine answers from memory. */
async function expectSameAsBranch(engine: Engine, repo: ConfigRepo): Promise<void> {
  await engine.idle();
  const fresh = await openStateLog({ dir: repo.dir, readOnly: true });
  try {
    const views = await fresh.services();
    expect(await engine.state.services()).toEqual(views);
    for (const v of views) {
      expect(await engine.state.service(v.service_id)).toEqual(v);
      for (const id of namedDeployments(v))
        expect(await engine.state.deployment(id), id).toEqual(await fresh.deployment(id));
    }
    expect(await engine.state.inFlight()).toEqual(await fresh.inFlight());
    const head = await engine.history.resolve('main');
    expect(await engine.status()).toEqual(await serviceStatuses(fresh, engine.history, head));
  } finally {
    await fresh.close();
  }
}

describe('the projection kept in memory', () => {
  it('equals a fresh read of the branch after any series of deploys, failures, unwinds, redeploys, releases, approvals and reverts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 7 }), async (ops) => {
        const repo = new ConfigRepo();
        repos.push(repo);
        repo.commit({
          'services/a/deploy.hcl': EXEC,
          'services/a/values.hcl': 'version = "v0"\n',
          'services/b/deploy.hcl': EXEC,
          'services/b/values.hcl': 'version = "v0"\n',
          'services/g/deploy.hcl': GATED,
          'services/g/values.hcl': 'version = "v0"\n',
        });
        const engine = await openEngine({ repoDir: repo.dir, env: {}, stateInMemory: true });
        engines.push(engine);
        // The first run deploys all three (g once approved).
        const first = await approving(engine, (async () => (await engine.poll()).done)());
        expect(first.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
        await expectSameAsBranch(engine, repo);
        for (const [i, o] of ops.entries()) {
          await approving(engine, run(engine, repo, o, i + 1));
          await expectSameAsBranch(engine, repo);
        }
        // A restart reads the same projection from the branch.
        await engine.close();
        engines.splice(engines.indexOf(engine), 1);
        const again = await openEngine({ repoDir: repo.dir, env: {}, stateInMemory: true });
        engines.push(again);
        await expectSameAsBranch(again, repo);
      }),
      { numRuns: 4, endOnFailure: true },
    );
  }, 600_000);

  it('refuses to answer from memory once another writer moved the branch under it', async () => {
    const repo = new ConfigRepo();
    repos.push(repo);
    repo.commit({ 'services/a/deploy.hcl': EXEC, 'services/a/values.hcl': 'version = "v1"\n' });
    const engine = await openEngine({ repoDir: repo.dir, env: {}, stateInMemory: true });
    engines.push(engine);
    await (
      await engine.poll()
    ).done;
    repo.commit({ 'services/a/values.hcl': 'version = "v2"\n' });
    await (
      await engine.poll()
    ).done;
    expect((await engine.status())[0]).toMatchObject({ service: 'a', sync: 'synced', latest: 'a-2' });

    // The attack: another tool puts the branch back one entry, as if a-2 had never succeeded.
    repo.git('update-ref', 'refs/heads/orbit/state', 'orbit/state~1');
    const refusal = await engine.status().then(
      () => null,
      (err: unknown) => err,
    );
    expect(isOrbitError(refusal, 'E_STATE_MOVED')).toBe(true);
    await expect(engine.state.service('a')).rejects.toMatchObject({ code: 'E_STATE_MOVED' });
  }, 120_000);
});
