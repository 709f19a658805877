/**
 * Ctrl-C during `orbit reconcile`, through the real binary: the first SIGINT lets the running step
 * finish and be recorded and stops before the next; a second stops the running step.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { taggedProcesses } from '../../src/agents/run-tag.js';
import { openStateLog } from '../../src/state/index.js';
import { ConfigRepo, Gate, Trace } from '../support/config-repo.js';
import { ORBIT_BIN } from '../support/cli.js';

let repo: ConfigRepo;
let trace: Trace;
let gate: Gate;
let started: string;
let reverseStarted: string;
let reverseGate: string;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
  gate = new Gate();
  started = path.join(path.dirname(gate.file), 'a-started');
  reverseStarted = path.join(path.dirname(gate.file), 'b-reverse-started');
  reverseGate = path.join(path.dirname(gate.file), 'b-reverse-gate');
  repo.commit({
    'services/web/deploy.hcl': `step {
  name    = "a"
  agent   = "exec"
  forward = ["sh", "-c", "touch ${started}; while [ ! -e ${gate.file} ]; do sleep 0.02; done; echo +a >> ${trace.file}"]
  reverse = ["sh", "-c", "echo -a >> ${trace.file}"]
}
step {
  name    = "b"
  agent   = "exec"
  forward = ["sh", "-c", "echo +b >> ${trace.file}"]
  reverse = ["sh", "-c", "touch ${reverseStarted}; while [ ! -e ${reverseGate} ]; do sleep 0.02; done; echo -b >> ${trace.file}"]
}
`,
  });
});

afterEach(() => {
  gate.open();
  writeFileSync(reverseGate, '');
  repo.remove();
});

async function until(check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function reconcile() {
  return orbit('reconcile');
}

function orbit(...args: string[]) {
  const child = spawn(process.execPath, [ORBIT_BIN, ...args, '--repo', repo.dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, out, exited };
}

async function deployment() {
  const log = await openStateLog({ dir: repo.dir, readOnly: true });
  try {
    return await log.deployment('web-1');
  } finally {
    await log.close();
  }
}

describe('orbit reconcile and Ctrl-C', () => {
  it('the first SIGINT lets the running step finish and be recorded, then stops before the next', async () => {
    const run = reconcile();
    await until(() => existsSync(started));
    run.child.kill('SIGINT');
    await until(() => run.out.stderr.includes('stopping after the running step'));
    gate.open();
    const { code, signal } = await run.exited;
    expect({ code, signal }).toEqual({ code: 1, signal: null });
    expect(run.out.stdout).toMatch(/web: interrupted web-1/);
    expect(trace.lines()).toEqual(['+a']);
    const d = await deployment();
    expect(d?.steps.map((s) => [s.step_name, s.status])).toEqual([['a', 'applied']]);
  });

  it('a second SIGINT stops the running step and records it as interrupted', async () => {
    const run = reconcile();
    await until(() => existsSync(started));
    run.child.kill('SIGINT');
    await until(() => run.out.stderr.includes('stopping after the running step'));
    run.child.kill('SIGINT');
    const { code, signal } = await run.exited;
    expect({ code, signal }).toEqual({ code: 1, signal: null });
    const d = await deployment();
    expect(d?.steps.map((s) => [s.step_name, s.status, s.error?.code])).toEqual([
      ['a', 'failed', 'E_INTERRUPTED'],
    ]);
    expect(taggedProcesses(d!.steps[0]!.run_tag!)).toEqual([]);
    expect(trace.lines()).toEqual([]);
  });

  it('orbit unwind: the first SIGINT lets the running reverse finish, then stops before the next', async () => {
    gate.open();
    expect((await reconcile().exited).code).toBe(0);
    const run = orbit('unwind', 'web');
    await until(() => existsSync(reverseStarted));
    run.child.kill('SIGINT');
    await until(() => run.out.stderr.includes('stopping after the running step'));
    writeFileSync(reverseGate, '');
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.out.stdout).toMatch(/web-1: interrupted while unwinding/);
    expect(trace.lines()).toEqual(['+a', '+b', '-b']);
    const d = await deployment();
    expect(d?.status).toBe('unwinding');
    expect(d?.steps.map((s) => [s.step_name, s.status])).toEqual([
      ['a', 'applied'],
      ['b', 'reversed'],
    ]);
  });
});
