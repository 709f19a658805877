/**
 * Output you can act on, through the real CLI: a failed step's last stderr lines (masked) in its
 * record, in the step list `reconcile` prints, in `show` and in `log`; `show` without empty sections.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import chalk from 'chalk';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { liveOutput } from '../../src/cli/live/live-output.js';
import { openEngine } from '../../src/engine/open.js';
import type { DeploymentRecord, LogEntry } from '../../src/state/types.js';
import { orbit, type CliResult } from '../support/cli.js';
import { ConfigRepo } from '../support/config-repo.js';
import { api, startTestDaemon } from '../daemon/helpers.js';
import { recordPath } from '../../src/state/paths.js';

const PW = 'Qz7-swordfish-K';
const env = { ORBIT_VAR_pw: PW };

// `deploy` writes 30 numbered lines and two that quote the secret (as typed and base64-encoded)
// to stderr, one line to stdout, then fails; `announce` never runs.
const service = `variable "pw" {
  sensitive = true
}
step {
  name    = "migrate"
  agent   = "exec"
  forward = ["sh", "-c", "echo migrating"]
  reverse = ["sh", "-c", "printf '\\\\n\\\\nmigrating back\\\\n'"]
}
step {
  name    = "deploy"
  agent   = "exec"
  forward = ["sh", "-c", "echo on stdout; for i in $(seq 1 30); do echo err line $i >&2; done; echo login refused for $PW >&2; echo token $TOKEN >&2; exit 3"]
  reverse = ["true"]
  env     = { PW = var.pw, TOKEN = base64encode(var.pw) }
}
step {
  name    = "announce"
  agent   = "exec"
  forward = ["true"]
}
`;

let repo: ConfigRepo;
let reconcile: CliResult;

beforeAll(async () => {
  repo = new ConfigRepo();
  repo.commit({ 'services/web/deploy.hcl': service });
  reconcile = await orbit(['reconcile', '--repo', repo.dir], { env });
});

afterAll(() => repo.remove());

const record = (): DeploymentRecord =>
  JSON.parse(repo.git('show', `orbit/state:${recordPath('web-1').join('/')}`)) as DeploymentRecord;

describe("a failed step's stderr", () => {
  it('is recorded masked and bounded as stderr_tail in the failed step of the record', () => {
    expect(reconcile.code).toBe(1);
    const failed = record().steps[1]!;
    expect(failed.status).toBe('failed');
    const tail = failed.stderr_tail!;
    expect(tail).toHaveLength(20);
    // The last 20 stderr lines, without what went to stdout.
    expect(tail.slice(0, 2)).toEqual(['err line 13', 'err line 14']);
    expect(tail.slice(-2)).toEqual(['login refused for (sensitive:pw)', 'token (sensitive:pw)']);
    expect(tail).not.toContain('on stdout');
    // Steps that did not fail carry none.
    expect(record().steps[0]!.stderr_tail).toBeUndefined();
  });

  it('never reaches the state branch, or any output, unmasked', async () => {
    const objects = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], {
      cwd: repo.dir,
      maxBuffer: 64 * 1024 * 1024,
    }).toString('latin1');
    const show = await orbit(['show', 'web-1', '--repo', repo.dir]);
    for (const leaked of [PW, Buffer.from(PW).toString('base64')]) {
      expect(objects).not.toContain(leaked);
      expect(reconcile.stdout + reconcile.stderr).not.toContain(leaked);
      expect(show.stdout).not.toContain(leaked);
    }
  });

  it('is printed under the failed step by reconcile', () => {
    const lines = reconcile.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('web-1 step 2/3 deploy: failed'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe('  │ err line 13');
    expect(lines[at + 20]).toBe('  │ token (sensitive:pw)');
  });

  it('is shown by `orbit show` under the error, and in --json as part of the record', async () => {
    const r = await orbit(['show', 'web-1', '--repo', repo.dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.indexOf('stderr of 2. deploy (last 20 lines):');
    expect(lines[at - 1]).toMatch(/^error: exited with status 3/);
    expect(lines.slice(at + 1, at + 3)).toEqual(['   │ err line 13', '   │ err line 14']);
    const json = JSON.parse(
      (await orbit(['show', 'web-1', '--json', '--repo', repo.dir])).stdout,
    ) as DeploymentRecord;
    expect(json.steps[1]!.stderr_tail).toEqual(record().steps[1]!.stderr_tail);
  });
});

describe('a log written before stderr_tail', () => {
  it('still reads: show prints the deployment without a stderr section', async () => {
    // Written by Orbit before format 2 (test/fixtures/README.md): web-1..3 deployed, unwound twice.
    const bundle = fileURLToPath(new URL('../fixtures/state-format-1.bundle', import.meta.url));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-old-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('git', ['clone', '-q', '--mirror', bundle, path.join(dir, '.git')]);
    execFileSync('git', ['-C', dir, 'config', 'core.bare', 'false']);
    execFileSync('git', ['-C', dir, 'checkout', '-q', 'main']);
    const r = await orbit(['show', 'web-2', '--repo', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^↩ web-2 unwound/);
    expect(r.stdout).not.toContain('stderr of');
    const json = JSON.parse(
      (await orbit(['show', 'web-2', '--json', '--repo', dir])).stdout,
    ) as DeploymentRecord;
    expect(json.steps.every((st) => st.stderr_tail === undefined)).toBe(true);
  });
});

describe("the API's deployment JSON", () => {
  it('offers stderr_tail as part of the record', async () => {
    const daemon = await startTestDaemon({ repo: repo.dir });
    try {
      const r = await api(daemon, 'GET', '/api/deployments/web-1');
      expect(r.status).toBe(200);
      expect(r.body.deployment.steps[1].stderr_tail).toEqual(record().steps[1]!.stderr_tail);
    } finally {
      await daemon.stop();
    }
  });
});

describe('orbit show and orbit log', () => {
  it('show names a step that did not run and prints no empty sections', async () => {
    const r = await orbit(['show', 'web-1', '--repo', repo.dir]);
    expect(r.stdout).toMatch(/^· {2}announce +not run$/m);
    // The reverse of migrate printed blank lines around its output: no empty gutter lines.
    expect(r.stdout).not.toMatch(/│\s*$/m);
    expect(r.stdout).not.toContain('----- reverse -----');
    const migrate = r.stdout.slice(r.stdout.indexOf('\n1. migrate') + 1);
    expect(migrate.split('\n').slice(0, 4)).toEqual([
      '1. migrate',
      '   │ migrating',
      '   reverse:',
      '   │ migrating back',
    ]);
    // deploy's reverse never ran: no reverse section at all under it.
    const deploy = r.stdout.slice(r.stdout.indexOf('\n2. deploy'));
    expect(deploy).not.toContain('reverse:');
  });

  it('log names a step that did not run', async () => {
    const r = await orbit(['log', 'web', '--repo', repo.dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✗ deploy \d+\.\d\ds {2}· announce not run/);
  });
});

describe('the live step list in a terminal', () => {
  it("prints a failed step's stderr tail under it when the deployment finishes", async () => {
    const other = new ConfigRepo();
    onTestFinished(() => other.remove());
    other.commit({
      'services/api/deploy.hcl': `step {
  name    = "boot"
  agent   = "exec"
  forward = ["sh", "-c", "echo starting; echo port 8080 in use >&2; exit 1"]
}
`,
    });
    const entries: LogEntry[] = [];
    const engine = await openEngine({ repoDir: other.dir, observe: (e) => entries.push(e) });
    try {
      await engine.reconcile();
    } finally {
      await engine.close();
    }
    chalk.level = 0;
    // Live mode is off under CI=true (CI logs are not terminals); this test is about a terminal.
    vi.stubEnv('CI', '');
    onTestFinished(() => void vi.unstubAllEnvs());
    let text = '';
    const out = liveOutput({ isTTY: true, columns: 100, write: (t: string) => ((text += t), true) });
    for (const e of entries) out.observe(e);
    out.stop();
    const final = text.slice(text.lastIndexOf('✗ api-1')).split('\n');
    expect(final.slice(1, 3)).toEqual([
      expect.stringMatching(/^ {2}✗ 1\/1 boot failed \d+\.\d\ds$/),
      '    │ port 8080 in use',
    ]);
  });
});
