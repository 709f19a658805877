/**
 * A sensitive variable that is not a string (a number, a list of numbers) has no text for masking
 * to find: the attack is a config whose secret is a PIN-like number. Neither the state branch nor
 * `orbit preview` may show it, and the step still receives it.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigRepo, Trace } from '../support/config-repo.js';
import { orbit } from '../support/cli.js';

// Long enough that no hash, timestamp or binary tree entry holds the digits by chance: five-digit
// values failed this test once that way, with nothing leaked.
const PIN = 73918462;

let repo: ConfigRepo;
let trace: Trace;

beforeAll(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit({
    'services/vault/deploy.hcl': `variable "pin" {
  type      = number
  sensitive = true
}
variable "ports" {
  type      = list
  sensitive = true
}
step {
  name    = "unlock"
  agent   = "exec"
  forward = ["sh", "-c", "echo \\"unlock $PIN\\" >> ${trace.file}"]
  reverse = ["true"]
  env     = { PIN = "\${var.pin}" }
}
`,
  });
});

afterAll(() => repo.remove());

function allObjects(): string {
  return execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], {
    cwd: repo.dir,
    maxBuffer: 64 * 1024 * 1024,
  }).toString('latin1');
}

describe('a sensitive number', () => {
  it('never reaches the state branch; the step gets it', async () => {
    const env = { ORBIT_VAR_pin: String(PIN), ORBIT_VAR_ports: '[4821390517, 5912764038]' };
    const r = await orbit(['reconcile', '--repo', repo.dir], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(trace.lines()).toEqual([`unlock ${PIN}`]);
    const objects = allObjects();
    expect(objects).toContain('(sensitive:pin)');
    for (const secret of [String(PIN), '4821390517', '5912764038']) {
      expect(objects).not.toContain(secret);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    const shown = await orbit(['show', 'vault-1', '--repo', repo.dir, '--json']);
    expect(shown.stdout).not.toContain(String(PIN));
  });

  it('is not shown by orbit preview', async () => {
    repo.commit({ 'services/vault/values.hcl': 'pin = 11224433\nports = [6011187342]\n' });
    const r = await orbit(['preview', '--repo', repo.dir, 'HEAD~1..HEAD']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('11224433');
    expect(r.stdout + r.stderr).not.toContain('6011187342');
  });
});
