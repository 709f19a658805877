/**
 * `require_signed_commits`: keys made with ssh-keygen, commits signed with the real
 * `git commit -S` (gpg.format=ssh), checked by git's own %G? against the allowed signers file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';

let keys: string;
const key = (name: string) => path.join(keys, name);
const publicKey = (name: string) => readFileSync(`${key(name)}.pub`, 'utf8').trim();

beforeAll(() => {
  keys = mkdtempSync(path.join(os.tmpdir(), 'orbit-keys-'));
  for (const name of ['ann', 'mallory'])
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key(name)]);
});
afterAll(() => rmSync(keys, { recursive: true, force: true }));

let repo: ConfigRepo;
let trace: Trace;
let engine: Engine | null;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  engine = null;
});
afterEach(async () => {
  await engine?.close();
  repo.remove();
});

/** Commits the files, signed with `signer`'s key when one is named. */
function commit(files: Record<string, string>, message: string, signer?: string): string {
  for (const [file, content] of Object.entries(files)) repo.write(file, content);
  repo.git('add', '-A');
  const sign = signer ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key(signer)}`] : [];
  repo.git(...sign, 'commit', '-q', ...(signer ? ['-S'] : []), '-m', message);
  return repo.git('rev-parse', 'HEAD');
}

const POLICY = `settings {
  require_signed_commits = true
  allowed_signers        = ".orbit/allowed_signers"
}
`;

async function reconcile() {
  engine ??= await openEngine({ repoDir: repo.dir, env: {} });
  const report = await engine.reconcile();
  return report.outcomes.map((o) => [o.service, o.status, o.error?.code ?? null]);
}

/** The state commits' messages about a config commit, bar the cursor's `commit-seen`. */
const entriesOf = (sha: string) =>
  repo
    .git('log', '--format=%B%x1e', 'orbit/state')
    .split('\x1e')
    .filter((m) => m.includes(`Orbit-Config-Commit: ${sha}`) && !m.includes('Orbit-Event: commit-seen'));

describe('signed config commits', () => {
  beforeEach(() => {
    commit(
      {
        'orbit.hcl': POLICY,
        '.orbit/allowed_signers': `ann@example.com namespaces="git" ${publicKey('ann')}\n`,
        'services/web/deploy.hcl': tracedService(trace, ['deploy']),
        'services/web/values.hcl': values('1'),
      },
      'policy and web 1 (no parent: nothing required yet)',
    );
  });

  it('rejects an unsigned commit and deploys nothing; a signed one deploys with its signer recorded', async () => {
    expect(await reconcile()).toEqual([['web', 'succeeded', null]]);
    trace.next();

    const unsigned = commit({ 'services/web/values.hcl': values('2') }, 'web 2, unsigned');
    expect(await reconcile()).toEqual([['web', 'rejected', 'E_UNSIGNED_COMMIT']]);
    expect(trace.next()).toEqual([]);
    const [rejected] = entriesOf(unsigned);
    expect(rejected).toMatch(/Orbit-Event: commit-rejected/);
    expect(rejected).toMatch(/E_UNSIGNED_COMMIT: commit [0-9a-f]{12} is not signed/);

    const signed = commit({ 'services/web/values.hcl': values('3') }, 'web 3, signed by ann', 'ann');
    expect(await reconcile()).toEqual([['web', 'succeeded', null]]);
    expect(trace.next()).toEqual(['+deploy:3']);
    const entries = entriesOf(signed);
    expect(entries.length).toBeGreaterThanOrEqual(3);
    // Every entry the signed commit caused names its verified signer.
    for (const e of entries) expect(e).toMatch(/Orbit-Verified-By: ssh-signature ann@example.com SHA256:/);
  });

  it('rejects a commit signed by a key the allowed signers file does not list', async () => {
    await reconcile();
    trace.next();
    const sha = commit({ 'services/web/values.hcl': values('2') }, 'web 2, signed by mallory', 'mallory');
    expect(await reconcile()).toEqual([['web', 'rejected', 'E_UNSIGNED_COMMIT']]);
    expect(entriesOf(sha)[0]).toMatch(/signed by a key the allowed signers file does not list/);
    expect(trace.next()).toEqual([]);
  });

  it('an unsigned commit cannot switch the requirement off, nor add its own key', async () => {
    await reconcile();
    trace.next();
    // Neither touches a service, so neither is a job of its own; what they change counts for nothing.
    commit({ 'orbit.hcl': 'settings {\n  require_signed_commits = false\n}\n' }, 'switch it off, unsigned');
    commit({ 'services/web/values.hcl': values('2') }, 'web 2, unsigned');
    expect(await reconcile()).toEqual([['web', 'rejected', 'E_UNSIGNED_COMMIT']]);

    commit({ 'orbit.hcl': POLICY }, 'back on');
    commit(
      { '.orbit/allowed_signers': `mallory@example.com namespaces="git" ${publicKey('mallory')}\n` },
      'mallory adds her key, unsigned',
    );
    commit({ 'services/web/values.hcl': values('3') }, 'web 3, signed by mallory', 'mallory');
    expect(await reconcile()).toEqual([['web', 'rejected', 'E_UNSIGNED_COMMIT']]);
    expect(trace.next()).toEqual([]);

    // The owner of an allowed key may change the policy: a signed commit switching it off counts.
    commit({ 'orbit.hcl': '' }, 'signing off, signed by ann', 'ann');
    commit({ 'services/web/values.hcl': values('4') }, 'web 4, unsigned');
    expect(await reconcile()).toEqual([['web', 'succeeded', null]]);
    expect(trace.next()).toEqual(['+deploy:4']);
  });

  it('a revert that is not signed unwinds nothing', async () => {
    await reconcile();
    const signed = commit({ 'services/web/values.hcl': values('2') }, 'web 2, signed', 'ann');
    await reconcile();
    trace.next();
    repo.git('revert', '--no-edit', signed);
    expect(await reconcile()).toEqual([['web', 'rejected', 'E_UNSIGNED_COMMIT']]);
    expect(trace.next()).toEqual([]);
  });
});
