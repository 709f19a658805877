/**
 * A value computed from a secret is a secret: the attack is a config that builds a credential from
 * a sensitive variable (`Basic base64("u:pw")`) and deploys with `--state-push`-able history. No
 * object of the state repository may hold the secret or anything computed from it, and an unwind
 * must still run the reverse action with the real credential, recomputed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigRepo, Trace } from '../support/config-repo.js';
import { orbit } from '../support/cli.js';

const PW = 'Xy9-hunter2-Q';
const AUTH = `Basic ${Buffer.from(`u:${PW}`, 'utf8').toString('base64')}`;
const SHA = createHash('sha256').update(PW).digest('hex');
const DERIVED = [PW, `u:${PW}`, AUTH, Buffer.from(`u:${PW}`).toString('base64'), SHA, PW.toUpperCase()];

let repo: ConfigRepo;
let trace: Trace;

const service = (file: string) => `variable "pw" {
  sensitive = true
}
step {
  name    = "login"
  agent   = "exec"
  forward = ["sh", "-c", "echo \\"login $AUTH\\" >> ${file}; echo token=${'${sha256(var.pw)}'}"]
  reverse = ["sh", "-c", "echo \\"undo $AUTH ${'${upper(var.pw)}'}\\" >> ${file}"]
  env     = { AUTH = "Basic ${'${base64encode("u:${var.pw}")}'}" }
}
`;

beforeAll(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit({ 'services/web/deploy.hcl': service(trace.file) });
});

afterAll(() => repo.remove());

/** Every object of the repository, contents included, as one text. */
function allObjects(): string {
  return execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], {
    cwd: repo.dir,
    maxBuffer: 64 * 1024 * 1024,
  }).toString('latin1');
}

describe('values derived from a sensitive variable', () => {
  it('never reach the state branch, and an unwind replays the reverse action with them recomputed', async () => {
    const env = { ORBIT_VAR_pw: PW };
    const deployed = await orbit(['reconcile', '--repo', repo.dir], { env });
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    expect(trace.lines()).toEqual([`login ${AUTH}`]);

    const unwound = await orbit(['unwind', 'web', '--repo', repo.dir], { env });
    expect(unwound.code).toBe(0);
    // The reverse action ran with the credential recomputed from the secret, not a marker.
    expect(trace.lines()).toEqual([`login ${AUTH}`, `undo ${AUTH} ${PW.toUpperCase()}`]);

    const objects = allObjects();
    for (const leaked of DERIVED) expect(objects).not.toContain(leaked);
    // What the log holds instead: the marker, and the recipe naming the secret only.
    const record = JSON.parse(
      repo.git('show', 'orbit/state:services/web/deployments/0-9999/0-99/web-1/record.json'),
    ) as {
      steps: Array<{ reverse_action: { env: Record<string, string>; derived: unknown[] } }>;
    };
    const step = record.steps[0]!;
    expect(step.reverse_action.env.AUTH).toBe('(sensitive, derived from pw)');
    expect(step.reverse_action.derived.length).toBeGreaterThan(0);
    expect(readFileSync(trace.file, 'utf8')).toContain(AUTH);
  });
});
