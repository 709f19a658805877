import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../config/helpers.js';
import { runCli } from './cli-capture.js';

const GOOD = 'step {\n  name = "a"\n  agent = "exec"\n  forward = ["echo", "hi"]\n}\n';
const BAD = 'variable "v" {}\nstep {\n  name = "a"\n  agent = "exec"\n  forward = [var.v, var.w]\n}\n';

describe('orbit validate', () => {
  it('exits 0 with an ok line per service', async () => {
    const repo = await makeRepo({ 'services/a/deploy.hcl': GOOD, 'services/b/deploy.hcl': GOOD });
    const r = await runCli(['validate', '--repo', repo]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ok a\nok b\n');
    expect(r.stderr).toBe('');
  });

  it('exits 1 with every problem as path:line:col', async () => {
    const repo = await makeRepo({
      'services/a/deploy.hcl': GOOD,
      'services/b/deploy.hcl': BAD,
      'services/c/deploy.hcl': 'step {\n  name = \n}\n',
    });
    const r = await runCli(['validate', '--repo', repo]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('ok a\n');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^services\/b\/deploy\.hcl:5:21: .*\[E_UNKNOWN_REFERENCE\]$/),
      expect.stringMatching(/^services\/c\/deploy\.hcl:2:10: .*\[E_HCL_SYNTAX\]$/),
    ]);
  });

  it('reports a variable without a value (ORBIT_VAR_ from the environment counts)', async () => {
    const repo = await makeRepo({ 'services/b/deploy.hcl': BAD.replace(', var.w', '') });
    const r = await runCli(['validate', '--repo', repo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^services\/b\/deploy\.hcl:1:1: .*\[E_MISSING_VALUE\]/);
    process.env.ORBIT_VAR_v = 'set';
    try {
      expect((await runCli(['validate', '--repo', repo])).code).toBe(0);
    } finally {
      delete process.env.ORBIT_VAR_v;
    }
  });

  it('checks only the services owning the given files', async () => {
    const repo = await makeRepo({ 'services/a/deploy.hcl': GOOD, 'services/b/deploy.hcl': BAD });
    const r = await runCli(['validate', '--repo', repo, `${repo}/services/a/values.hcl`]);
    expect(r).toMatchObject({ code: 0, stdout: 'ok a\n' });
    const u = await runCli(['validate', '--repo', repo, 'README.md']);
    expect(u.code).toBe(2);
  });

  it('runs for real through bin/orbit.js on the quickstart example', async () => {
    const { stdout } = await promisify(execFile)('node', [
      'bin/orbit.js',
      'validate',
      '--repo',
      'examples/quickstart',
    ]);
    expect(stdout).toBe('ok pancake\nok waffle\n');
  });
});
