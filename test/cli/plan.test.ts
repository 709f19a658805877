import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { commitAll, git, makeRepo } from '../config/helpers.js';
import { runCli } from './cli-capture.js';

const DEPLOY = `variable "version" {}
variable "password" {
  sensitive = true
  default   = "hunter2"
}
step {
  name    = "build"
  agent   = "exec"
  forward = ["sh", "-c", "echo build \${var.version}"]
  env     = { PW = var.password }
}
step {
  name    = "ship"
  agent   = "docker"
  image   = "shipper:\${var.version}"
  forward = ["ship", step.build.output.tag, "--password=\${var.password}"]
  reverse = ["unship", coalesce(previous.var.version, "none")]
  timeout = "90s"
}
`;

async function repoWithGit() {
  const repo = await makeRepo({
    'services/waffle/deploy.hcl': DEPLOY,
    'services/waffle/values.hcl': 'version = "1.0"\n',
  });
  await git(repo, 'init', '-q', '-b', 'main');
  const sha = await commitAll(repo, 'v1');
  await makeRepo({ 'services/waffle/values.hcl': 'version = "2.0"\n' }, repo);
  return { repo, sha };
}

describe('orbit plan', () => {
  it('prints the documented JSON shape, with sensitive values masked', async () => {
    const { repo, sha } = await repoWithGit();
    const r = await runCli(['plan', 'waffle', '--repo', repo, '--ref', 'main', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      formatVersion: 1,
      service: 'waffle',
      ref: 'main',
      commit: sha,
      policy: 'queue',
      variables: {
        version: { value: '1.0', origin: 'values', sensitive: false },
        password: { value: '(sensitive:password)', origin: 'default', sensitive: true },
      },
      steps: [
        {
          name: 'build',
          index: 0,
          agent: 'exec',
          forward: ['sh', '-c', 'echo build 1.0'],
          reverse: null,
          env: { PW: '(sensitive:password)' },
          timeoutMs: 600000,
          params: {},
        },
        {
          name: 'ship',
          index: 1,
          agent: 'docker',
          forward: ['ship', '(output of step build: tag)', '--password=(sensitive:password)'],
          reverse: ['unship', '(previous deployment: var.version)'],
          env: {},
          timeoutMs: 90000,
          params: { image: 'shipper:1.0' },
        },
      ],
    });
    expect(r.stdout).not.toContain('hunter2');
  });

  it('renders the working tree with --var overrides in text mode, never printing secrets', async () => {
    const { repo } = await repoWithGit();
    const r = await runCli([
      'plan',
      'waffle',
      '--repo',
      repo,
      '--var',
      'version=3.0',
      '--var',
      'password=s3cr3t=x',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1. build');
    expect(r.stdout).toContain('echo build 3.0');
    expect(r.stdout).toContain('image: shipper:3.0');
    expect(r.stdout.indexOf('build')).toBeLessThan(r.stdout.indexOf('ship'));
    expect(r.stdout).not.toMatch(/s3cr3t|hunter2/);
    expect(r.stdout).toContain('(sensitive:password)');
  });

  it('rejects a malformed --var with exit 2 naming the flag', async () => {
    const { repo } = await repoWithGit();
    for (const bad of ['version', '=1', '1x=2']) {
      const r = await runCli(['plan', 'waffle', '--repo', repo, '--var', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--var');
    }
    const undeclared = await runCli(['plan', 'waffle', '--repo', repo, '--var', 'nope=1']);
    expect(undeclared.code).toBe(2);
  });

  it('exits 2 for an unknown service and 1 for invalid config', async () => {
    const { repo } = await repoWithGit();
    expect((await runCli(['plan', 'nope', '--repo', repo])).code).toBe(2);
    await makeRepo({ 'services/waffle/values.hcl': 'version = 1\nnope = 2\n' }, repo);
    const bad = await runCli(['plan', 'waffle', '--repo', repo]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^services\/waffle\/values\.hcl:2:1: .*\[E_UNKNOWN_VARIABLE\]/m);
    expect(bad.stdout).toBe('');
  });

  it('works end to end through bin/orbit.js', async () => {
    const { stdout } = await promisify(execFile)('node', [
      'bin/orbit.js',
      'plan',
      'waffle',
      '--repo',
      'examples/quickstart',
      '--json',
    ]);
    const plan = JSON.parse(stdout) as { steps: Array<{ name: string }> };
    expect(plan.steps.map((s) => s.name)).toEqual(['migrate', 'deploy', 'announce']);
    expect(stdout).not.toContain('change-me');
  });
});
