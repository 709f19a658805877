/**
 * The spawn helper (src/agents/spawn-helper*.ts) keeps what a direct spawn guaranteed: runs go
 * through it once it is ready, a helper that dies fails the step it ran and stops that step's
 * tree, it never outlives Orbit, and a terminal's Ctrl-C stops a step only through Orbit.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecAgent } from '../../src/agents/exec-agent.js';
import { startSpawnHelper } from '../../src/agents/spawn-helper.js';
import { waitUntil } from '../support/wait.js';
import { context, invocation, processAlive } from './helpers.js';

const DRIVER = join(import.meta.dirname, 'exec-step-driver.ts');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orbit-spawn-helper-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The driver in its own process group (as a terminal's foreground job), its output collected. */
function driver(script: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', DRIVER], {
    env: { ...process.env, DRIVER_SCRIPT: script },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const line = (prefix: string) =>
    waitUntil(
      prefix,
      () =>
        out
          .split('\n')
          .find((l) => l.startsWith(`${prefix} `))
          ?.slice(prefix.length + 1),
      30_000,
    );
  return { child, line };
}

async function pidIn(file: string): Promise<number> {
  return Number(
    await waitUntil(`a pid in ${file}`, () =>
      readFile(file, 'utf8').then(
        (t) => t.trim(),
        () => '',
      ),
    ),
  );
}

describe('spawn helper', () => {
  it('runs the processes once it is ready: their parent is the helper', async () => {
    const helper = await startSpawnHelper();
    expect(helper).toBeTypeOf('number');
    const r = await new ExecAgent({ spawnVia: 'helper' }).run(
      invocation({ args: ['sh', '-c', 'echo $PPID'] }),
      context(),
    );
    expect(r.exitCode).toBe(0);
    expect(Number(r.log.trim())).toBe(helper);
  });

  it('a helper killed mid-run fails that step with E_AGENT_LOST and stops its tree; the next run works', async () => {
    const helper = (await startSpawnHelper())!;
    const pidFile = join(dir, 'lost-pid');
    const running = new ExecAgent({ killGraceMs: 300, spawnVia: 'helper' }).run(
      invocation({ args: ['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`] }),
      context(),
    );
    const sleeper = await pidIn(pidFile);
    process.kill(helper, 'SIGKILL');
    const r = await running;
    expect(r.error?.code).toBe('E_AGENT_LOST');
    expect(r.exitCode).not.toBe(0);
    await waitUntil(`sleep ${sleeper} gone`, () => !processAlive(sleeper));
    const next = await new ExecAgent({ spawnVia: 'helper' }).run(
      invocation({ args: ['sh', '-c', 'echo next'] }),
      context(),
    );
    expect(next.exitCode).toBe(0);
    expect(next.log).toBe('next\n');
  });

  it('does not outlive Orbit killed with SIGKILL', async () => {
    const pidFile = join(dir, 'orphan-pid');
    const run = driver(`echo $$ > ${pidFile}; exec sleep 30`);
    const helper = Number(await run.line('helper'));
    const step = await pidIn(pidFile);
    run.child.kill('SIGKILL');
    await waitUntil(`helper ${helper} gone`, () => !processAlive(helper));
    // As with a direct spawn, the step itself is an orphan now: recovery finds it by its run tag.
    process.kill(-step, 'SIGKILL');
  });

  it("a terminal's Ctrl-C (SIGINT to Orbit's process group) stops the step through Orbit, not by killing the helper", async () => {
    const pidFile = join(dir, 'ctrl-c-pid');
    const run = driver(`echo $$ > ${pidFile}; sleep 30`);
    const helper = Number(await run.line('helper'));
    const step = await pidIn(pidFile);
    process.kill(-run.child.pid!, 'SIGINT');
    const r = JSON.parse(await run.line('result')) as { error?: { code: string } };
    expect(r.error?.code).toBe('E_AGENT_ABORTED');
    await waitUntil(`step ${step} gone`, () => !processAlive(step));
    // And it ends with the driver.
    await waitUntil(`helper ${helper} gone`, () => !processAlive(helper));
  });
});
