/**
 * The dashboard's two reads through a real daemon: a deployment's config diff from the previous
 * deployment (with the config's secrets masked by the daemon: the attack is reading them through
 * it), and a service's pending commits with the same preview `orbit preview` gives.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPreview } from '../../src/engine/preview.js';
import { createToken } from '../../src/daemon/identity/tokens-file.js';
import { ConfigRepo, Gate, gatedService, Trace, values } from '../support/config-repo.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

const OLD_SECRET = 'old-hunter2-Zq9';
const NEW_SECRET = 'new-hunter2-Xw4';
const DEFAULT_SECRET = 'default-pw-Lk7';
const PIN = '904417';

/** A service whose config holds secrets: a sensitive default, a value, a number, a heredoc. */
const vault = (extra: string) => `variable "version" {}
variable "token" {
  sensitive = true
  default   = "${DEFAULT_SECRET}"
}
variable "pw" { sensitive = true }
variable "pin" {
  sensitive = true
  type      = number
}
variable "cert" { sensitive = true }
step {
  name    = "say"
  agent   = "exec"
  forward = ["sh", "-c", "echo ${extra} \${var.version}"]
}
`;
const vaultValues = (version: string, pw: string, pin: string, cert: string) =>
  `version = "${version}"\npw = "${pw}"\npin = ${pin}\ncert = <<EOT\n${cert}\nEOT\n`;

let repo: ConfigRepo;
let daemon: TestDaemon;
const gate = new Gate();
const tokens = { admin: '', otherViewer: '' };

beforeAll(async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-dash-')), 'tokens');
  const admin = await createToken('ada', ['admin'], null);
  const other = await createToken('oz', ['viewer'], 'api');
  writeFileSync(file, `${admin.line}\n${other.line}\n`);
  tokens.admin = admin.token;
  tokens.otherViewer = other.token;
  repo = new ConfigRepo();
  repo.commit({
    'services/vault/deploy.hcl': vault('hello'),
    'services/vault/values.hcl': vaultValues('1', OLD_SECRET, '1111', 'BEGIN-old-cert-line'),
    'services/slow/deploy.hcl': gatedService(new Trace(), gate),
    'services/slow/values.hcl': values('1'),
  });
  daemon = await startTestDaemon({ repo: repo.dir, 'tokens-file': file }, { ORBIT_TOKEN: '' });
  await waitFor(
    'vault-1',
    async () => (await daemon.engine.state.deployment('vault-1'))?.status === 'succeeded',
  );
});

afterAll(async () => {
  gate.open();
  await daemon?.stop();
  repo?.remove();
});

describe('GET /api/deployments/:id/diff', () => {
  it('is the change of services/NAME/ since the previous deployment, with every secret masked', async () => {
    const from = (await daemon.engine.state.deployment('vault-1'))!.config_commit!;
    const to = repo.commit({
      'services/vault/deploy.hcl': vault('bonjour'),
      'services/vault/values.hcl': vaultValues('2', NEW_SECRET, PIN, 'BEGIN-new-cert-line'),
    });
    await daemon.sync.trigger('test');
    await waitFor(
      'vault-2',
      async () => (await daemon.engine.state.deployment('vault-2'))?.status === 'succeeded',
    );
    const r = await api(daemon, 'GET', '/api/deployments/vault-2/diff', { token: tokens.admin });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      deployment: 'vault-2',
      previous: 'vault-1',
      from,
      to,
      command: `git diff ${from} ${to} -- services/vault/`,
      files: [
        { path: 'services/vault/deploy.hcl', change: 'changed' },
        { path: 'services/vault/values.hcl', change: 'changed' },
      ],
    });
    const patch: string = r.body.patch;
    // What changed, in the words of the files.
    expect(patch).toContain('-  forward = ["sh", "-c", "echo hello ${var.version}"]');
    expect(patch).toContain('+  forward = ["sh", "-c", "echo bonjour ${var.version}"]');
    expect(patch).toContain('-version = "1"\n+version = "2"');
    // The attack: reading the config's secrets through the dashboard's diff. None of them, old or
    // new, in any form, is in what the daemon sends.
    const body = JSON.stringify(r.body);
    for (const secret of [OLD_SECRET, NEW_SECRET, DEFAULT_SECRET, PIN, '1111', 'old-cert', 'new-cert'])
      expect(body).not.toContain(secret);
    expect(patch).toContain('pw = (sensitive:pw)');
    expect(patch).toContain('pin = (sensitive:pin)');
    // The unmasked change is git's own: the command named prints it.
    const git = repo.git('diff', from, to, '--', 'services/vault/');
    expect(git).toContain(NEW_SECRET);
    expect(git).toContain('+  forward = ["sh", "-c", "echo bonjour ${var.version}"]');
  });

  it('diffs a first deployment from nothing', async () => {
    const r = await api(daemon, 'GET', '/api/deployments/vault-1/diff', { token: tokens.admin });
    expect(r.body).toMatchObject({ previous: null, from: null });
    expect(r.body.files.map((f: { change: string }) => f.change)).toEqual(['added', 'added']);
    expect(r.body.patch).toContain('+++ b/services/vault/deploy.hcl');
    expect(JSON.stringify(r.body)).not.toContain(OLD_SECRET);
    expect(JSON.stringify(r.body)).not.toContain(DEFAULT_SECRET);
  });

  it('is refused to an identity that may not read the service, and for an unknown deployment', async () => {
    const r = await api(daemon, 'GET', '/api/deployments/vault-2/diff', { token: tokens.otherViewer });
    expect(r).toMatchObject({ status: 403, body: { error: { code: 'E_FORBIDDEN' } } });
    const u = await api(daemon, 'GET', '/api/deployments/vault-99/diff', { token: tokens.admin });
    expect(u).toMatchObject({ status: 404, body: { error: { code: 'E_UNKNOWN_DEPLOYMENT' } } });
  });
});

describe('GET /api/services/:service/pending', () => {
  it("lists the commits queued behind a running deployment, each with orbit preview's plan", async () => {
    await waitFor(
      'slow-1 running',
      async () => (await daemon.engine.state.service('slow'))?.in_flight === 'slow-1',
    );
    expect(
      (await api(daemon, 'GET', '/api/services/slow/pending', { token: tokens.admin })).body.commits,
    ).toEqual([]);
    const base = repo.git('rev-parse', 'HEAD');
    const second = repo.commit({ 'services/slow/values.hcl': values('2') }, 'slow to 2');
    const third = repo.commit({ 'services/slow/values.hcl': values('3') }, 'slow to 3');
    await daemon.sync.trigger('test');
    const pending = await waitFor('two pending commits', async () => {
      const r = await api(daemon, 'GET', '/api/services/slow/pending', { token: tokens.admin });
      return r.body.commits?.length === 2 ? r.body : null;
    });
    expect(pending.commits.map((c: { sha: string }) => c.sha)).toEqual([second, third]);
    // The same preview as `orbit preview` of those commits.
    const preview = await buildPreview({ repoDir: repo.dir, range: `${base}..${third}` });
    const slowJobs = preview.commits.map((c) => c.jobs.filter((j) => j.service === 'slow'));
    expect(pending.commits.map((c: { jobs: unknown[] }) => c.jobs)).toEqual(slowJobs);
    expect(pending.commits[0].jobs[0]).toMatchObject({ action: 'deploy', predicted: 'slow-2' });
    expect(pending.commits[0].subject).toBe('slow to 2');

    // Once they have run, nothing is pending.
    gate.open();
    await waitFor('slow-3', async () => (await daemon.engine.state.service('slow'))?.current === 'slow-3');
    const after = await api(daemon, 'GET', '/api/services/slow/pending', { token: tokens.admin });
    expect(after.body.commits).toEqual([]);
  });
});
