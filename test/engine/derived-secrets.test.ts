/**
 * A value computed from a secret is a secret: the attack is a config that builds a credential from
 * a sensitive variable (`Basic base64("u:pw")`) and deploys with `--state-push`-able history. No
 * object of the state repository may hold the secret or anything computed from it, and an unwind
 * must still run the reverse action with the real credential, recomputed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServiceFromSources } from '../../src/config/load.js';
import { renderStep, resolveVariables } from '../../src/config/render.js';
import { openEngine } from '../../src/engine/open.js';
import { ConfigRepo, Trace } from '../support/config-repo.js';
import { orbit } from '../support/cli.js';
import { CTX } from '../config/helpers.js';
import { recordPath } from '../../src/state/paths.js';

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
function allObjects(dir = repo.dir): string {
  return execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], {
    cwd: dir,
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
    const record = JSON.parse(repo.git('show', `orbit/state:${recordPath('web-1').join('/')}`)) as {
      steps: Array<{ reverse_action: { env: Record<string, string>; derived: unknown[] } }>;
    };
    const step = record.steps[0]!;
    expect(step.reverse_action.env.AUTH).toBe('(sensitive:pw)');
    expect(step.reverse_action.derived.length).toBeGreaterThan(0);
    expect(readFileSync(trace.file, 'utf8')).toContain(AUTH);
  });
});

describe('property: a value derived from a secret never reaches the state repository', () => {
  const WRAP: Array<(inner: string) => string> = [
    (x) => `upper(${x})`,
    (x) => `base64encode(${x})`,
    (x) => `sha256(${x})`,
    (x) => `jsonencode(${x})`,
    (x) => `title(${x})`,
    (x) => `urlencode(${x})`,
    (x) => `format("%s!", ${x})`,
    (x) => `join("/", [${x}, "z"])`,
  ];
  const expr = fc
    .array(fc.constantFrom(...WRAP), { minLength: 1, maxLength: 3 })
    .map((fs) => fs.reduceRight((inner, f) => f(inner), '"k:${var.pw}"'));
  const deploy = (e: string, sensitive: boolean) => `variable "pw" {
  sensitive = ${sensitive}
}
step {
  name    = "use"
  agent   = "exec"
  forward = ["sh", "-c", "echo \\"$X\\"; echo ${'${' + e + '}'}"]
  reverse = ["sh", "-c", "echo \\"$X\\""]
  env     = { X = ${e} }
}
`;

  it('deploys and unwinds random derivations, then greps every object', async () => {
    const prop = new ConfigRepo();
    const seen: string[] = [];
    try {
      const runs = [...new Set(fc.sample(expr, { numRuns: 20, seed: 11 }))].slice(0, 5);
      for (const e of runs) {
        // The derived value, computed with the same secret in a variable that is not sensitive.
        const spec = await loadServiceFromSources({ deploy: deploy(e, false) }, 'web');
        seen.push(renderStep(spec, 0, resolveVariables(spec, { pw: PW }), CTX).env.X!);
        prop.commit({ 'services/web/deploy.hcl': deploy(e, true) }, e);
        const engine = await openEngine({ repoDir: prop.dir, env: { ORBIT_VAR_pw: PW } });
        try {
          const report = await engine.reconcile();
          expect(report.outcomes.map((o) => o.status)).toEqual(['succeeded']);
          const unwound = await engine.unwind('web', 'Ann Operator <ann@example.com>');
          expect(unwound.steps.map((s) => s.status)).toEqual(['reversed']);
        } finally {
          await engine.close();
        }
      }
      const objects = allObjects(prop.dir);
      expect(seen.length).toBe(5);
      // Each derivation differs from the secret and from the others: five distinct things to find.
      expect(new Set(seen).size).toBe(5);
      for (const leaked of [PW, ...seen]) expect(objects).not.toContain(leaked);
    } finally {
      prop.remove();
    }
  });
});
