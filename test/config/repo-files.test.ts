/**
 * Config is read only from regular files inside the repository: the attacks are a pull request's
 * checkout whose values.hcl links to a file outside it (which `validate` would print) or to a
 * device (which would be read until memory runs out).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadService } from '../../src/config/load.js';
import { MAX_CONFIG_FILE_BYTES } from '../../src/config/repo-files.js';
import { orbit } from '../support/cli.js';
import { ConfigRepo } from '../support/config-repo.js';
import { diagnosticsOf } from './helpers.js';

const deploy = `variable "version" {}
step {
  name    = "x"
  agent   = "exec"
  forward = ["echo", var.version]
}
`;

let repo: ConfigRepo;
let outside: string;

beforeEach(() => {
  repo = new ConfigRepo();
  repo.commit({ 'services/web/deploy.hcl': deploy, 'services/web/values.hcl': 'version = "1"\n' }, 'web');
  outside = mkdtempSync(path.join(os.tmpdir(), 'orbit-outside-'));
  writeFileSync(path.join(outside, 'secrets.hcl'), 'version = "hunter2-outside-the-repo"\n');
});

afterEach(() => {
  repo.remove();
  rmSync(outside, { recursive: true, force: true });
});

const link = (target: string, at: string): void => {
  rmSync(path.join(repo.dir, at), { recursive: true, force: true });
  symlinkSync(target, path.join(repo.dir, at));
};

describe('the working tree', () => {
  it('validate refuses a values.hcl linking out of the repository, without printing what it links to', async () => {
    link(path.join(outside, 'secrets.hcl'), 'services/web/values.hcl');
    const r = await orbit(['validate', '--repo', repo.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^services\/web\/values\.hcl:1:1: .*\[E_CONFIG_NOT_A_FILE\]$/m);
    expect(r.stdout + r.stderr).not.toContain('hunter2');

    const plan = await orbit(['plan', 'web', '--repo', repo.dir]);
    expect(plan.code).toBe(1);
    expect(plan.stdout + plan.stderr).not.toContain('hunter2');
  });

  it('refuses a link to a device instead of reading it', async () => {
    link('/dev/zero', 'services/web/values.hcl');
    const r = await orbit(['validate', '--repo', repo.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^services\/web\/values\.hcl:1:1: .*\[E_CONFIG_NOT_A_FILE\]$/m);
  });

  it('refuses a service directory that is a link, and a FIFO where a file should be', async () => {
    mkdirSync(path.join(outside, 'api'));
    writeFileSync(path.join(outside, 'api', 'deploy.hcl'), deploy);
    symlinkSync(path.join(outside, 'api'), path.join(repo.dir, 'services', 'api'));
    const [d] = await diagnosticsOf(() => loadService(repo.dir, 'api'));
    expect(d).toMatchObject({
      file: 'services/api/deploy.hcl',
      line: 1,
      column: 1,
      code: 'E_CONFIG_NOT_A_FILE',
    });

    rmSync(path.join(repo.dir, 'services/web/values.hcl'));
    execFileSync('mkfifo', [path.join(repo.dir, 'services/web/values.hcl')]);
    const [f] = await diagnosticsOf(() => loadService(repo.dir, 'web'));
    expect(f).toMatchObject({ file: 'services/web/values.hcl', code: 'E_CONFIG_NOT_A_FILE' });
  });

  it('refuses a file over the size cap', async () => {
    repo.write('services/web/values.hcl', `# ${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\nversion = "1"\n`);
    const [d] = await diagnosticsOf(() => loadService(repo.dir, 'web'));
    expect(d).toMatchObject({
      file: 'services/web/values.hcl',
      line: 1,
      column: 1,
      code: 'E_CONFIG_TOO_LARGE',
    });
  });
});

describe('a git revision', () => {
  it('a committed symlink, a directory or an oversized blob is a diagnostic, not a read', async () => {
    link(path.join(outside, 'secrets.hcl'), 'services/web/values.hcl');
    repo.write('services/api/deploy.hcl/inner', 'x\n');
    repo.write('services/big/deploy.hcl', `# ${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n`);
    repo.commit({}, 'hostile');
    const at = async (service: string) =>
      (await diagnosticsOf(() => loadService(repo.dir, service, { ref: 'HEAD' })))[0];
    expect(await at('web')).toMatchObject({ file: 'services/web/values.hcl', code: 'E_CONFIG_NOT_A_FILE' });
    expect(await at('api')).toMatchObject({ file: 'services/api/deploy.hcl', code: 'E_CONFIG_NOT_A_FILE' });
    expect(await at('big')).toMatchObject({ file: 'services/big/deploy.hcl', code: 'E_CONFIG_TOO_LARGE' });

    const r = await orbit(['plan', 'web', '--ref', 'HEAD', '--repo', repo.dir]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });
});
