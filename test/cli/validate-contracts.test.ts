/**
 * `orbit validate` (the real executable) checks every step against its agent's parameter
 * contract: a typo is an error at file:line:col with a did-you-mean, never a silently ignored
 * attribute.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../config/helpers.js';
import { orbit } from '../support/cli.js';

const EXEC = (extra: string, forward = '["echo", "hi"]') =>
  `step {\n  name    = "a"\n  agent   = "exec"\n  forward = ${forward}\n${extra}}\n`;

async function validate(files: Record<string, string>) {
  const repo = await makeRepo(files);
  return orbit(['validate', '--repo', repo]);
}

describe('orbit validate and agent contracts', () => {
  it('prints a did-you-mean at file:line:col for each kind of typo, and exits 1', async () => {
    const cases: Array<[string, string, string, string, string]> = [
      [
        'a misspelt step attribute',
        EXEC('  revrese = ["echo", "undo"]\n'),
        '5:3',
        'reverse',
        'E_UNKNOWN_ATTRIBUTE',
      ],
      ['a misspelt timeout', EXEC('  timout = "5m"\n'), '5:3', 'timeout', 'E_UNKNOWN_ATTRIBUTE'],
      [
        'a misspelt variable',
        `variable "version" { default = "1" }\n${EXEC('', '["echo", var.verison]')}`,
        '5:22',
        'version',
        'E_UNKNOWN_REFERENCE',
      ],
      ['a misspelt agent kind', EXEC('').replace('"exec"', '"exce"'), '3:3', 'exec', 'E_UNKNOWN_AGENT'],
      ['a misspelt function', EXEC('', '["echo", uper("x")]'), '4:22', 'upper', 'E_UNKNOWN_FUNCTION'],
      [
        'a misspelt param of an http step',
        'step {\n  name = "n"\n  agent = "http"\n  forward = ["GET", "http://127.0.0.1/"]\n  expect_stauts = 200\n}\n',
        '5:3',
        'expect_status',
        'E_UNKNOWN_ATTRIBUTE',
      ],
    ];
    const r = await validate(
      Object.fromEntries(cases.map((c, i) => [`services/typo-${i}/deploy.hcl`, c[1]])),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual(
      cases.map(([, , at, meant, code], i) =>
        expect.stringMatching(
          new RegExp(`^services/typo-${i}/deploy\\.hcl:${at}: .*did you mean "${meant}"\\?.* \\[${code}\\]$`),
        ),
      ),
    );
  });

  it('reports wrong types and values at file:line:col, and exits 1', async () => {
    const cases: Array<[string, string, string, string]> = [
      [
        'an http URL that is not http(s)',
        'variable "hook" { default = "ftp://example.com/x" }\nstep {\n  name = "n"\n  agent = "http"\n  forward = ["POST", "${var.hook}"]\n}\n',
        '5:3',
        'E_BAD_ATTRIBUTE',
      ],
      [
        'a docker step without an image',
        'step {\n  name = "d"\n  agent = "docker"\n  forward = ["true"]\n}\n',
        '1:1',
        'E_MISSING_PARAM',
      ],
      ['a duration that is none', EXEC('  timeout = "5 minutes"\n'), '5:3', 'E_BAD_DURATION'],
      ['a timeout longer than timers can wait', EXEC('  timeout = "30d"\n'), '5:3', 'E_BAD_DURATION'],
      ['an exec step with forward = []', EXEC('', '[]'), '4:3', 'E_BAD_ATTRIBUTE'],
      ['an exec step with reverse = []', EXEC('  reverse = []\n'), '5:3', 'E_BAD_ATTRIBUTE'],
      [
        'a docker pull policy that is none',
        'step {\n  name = "d"\n  agent = "docker"\n  image = "x"\n  pull = "sometimes"\n  forward = ["true"]\n}\n',
        '5:3',
        'E_BAD_ATTRIBUTE',
      ],
      ['a bool that is a string', EXEC('  inherit_env = "yes"\n'), '5:3', 'E_BAD_ATTRIBUTE'],
    ];
    const r = await validate(Object.fromEntries(cases.map((c, i) => [`services/bad-${i}/deploy.hcl`, c[1]])));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual(
      cases.map(([, , at, code], i) =>
        expect.stringMatching(new RegExp(`^services/bad-${i}/deploy\\.hcl:${at}: .* \\[${code}\\]$`)),
      ),
    );
  });

  it('accepts the longest timeout Orbit can wait for, and a bare number as seconds', async () => {
    const r = await validate({
      'services/web/deploy.hcl': EXEC('  timeout = "24d"\n') + EXEC('  timeout = 90\n').replace('"a"', '"b"'),
    });
    expect(r).toMatchObject({ code: 0, stdout: 'ok web\n' });
  });

  it('parses a file that starts with a UTF-8 byte order mark', async () => {
    const r = await validate({ 'services/web/deploy.hcl': `\uFEFF${EXEC('')}` });
    expect(r).toMatchObject({ code: 0, stdout: 'ok web\n', stderr: '' });
  });

  it('lets a custom agent declare its params; an undeclared one keeps free-form params', async () => {
    const orbitHcl = `agent "cap" {
  image = "cap:1"
  stage = "production"
  param "stage" {
    type        = string
    required    = true # the default above satisfies it
    description = "where to deploy"
  }
  param "roles" {
    type     = "list"
    required = true
  }
}
agent "free" {
  image = "free:1"
}
`;
    const step = (agent: string, extra: string) =>
      `step {\n  name = "${agent}"\n  agent = "${agent}"\n  forward = ["deploy"]\n${extra}}\n`;
    const ok = await validate({
      'orbit.hcl': orbitHcl,
      'services/web/deploy.hcl':
        step('cap', '  roles = ["web"]\n  mounts = ["/srv:/srv"]\n') + step('free', '  anything = 1\n'),
    });
    expect(ok).toMatchObject({ code: 0, stdout: 'ok web\n' });
    const bad = await validate({
      'orbit.hcl': orbitHcl,
      'services/web/deploy.hcl': step('cap', '  role = ["web"]\n'),
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^services\/web\/deploy\.hcl:1:1: .*"roles".*\[E_MISSING_PARAM\]$/),
      expect.stringMatching(
        /^services\/web\/deploy\.hcl:5:3: .*did you mean "roles"\?.*\[E_UNKNOWN_ATTRIBUTE\]$/,
      ),
    ]);
  });

  it('validates every example under examples/', async () => {
    const root = path.resolve(import.meta.dirname, '../../examples');
    const examples = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(examples.length).toBeGreaterThan(0);
    const results = await Promise.all(
      examples.map(async (e) => {
        const r = await orbit(['validate', '--repo', path.join(root, e.name)]);
        return { example: e.name, code: r.code, stderr: r.stderr };
      }),
    );
    expect(results).toEqual(examples.map((e) => ({ example: e.name, code: 0, stderr: '' })));
  }, 120_000);
});
