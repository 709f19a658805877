/** `orbit plan` refuses, like validate and the engine, a step its agent would refuse. */
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../config/helpers.js';
import { runCli } from './cli-capture.js';

describe('orbit plan and agent contracts', () => {
  it('exits 1 with file:line:col when a --var makes an http URL that is not http(s)', async () => {
    const repo = await makeRepo({
      'services/web/deploy.hcl':
        'variable "hook" { default = "https://chat.example.com/x" }\nstep {\n  name = "n"\n  agent = "http"\n  forward = ["POST", var.hook]\n}\n',
    });
    expect((await runCli(['plan', 'web', '--repo', repo])).code).toBe(0);
    const bad = await runCli(['plan', 'web', '--repo', repo, '--var', 'hook=file:///etc/passwd']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^services\/web\/deploy\.hcl:5:3: .*\[E_BAD_ATTRIBUTE\]$/m);
  });
});
