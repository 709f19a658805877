import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecAgent } from '../../src/agents/exec-agent.js';
import type { SpawnVia } from '../../src/agents/local-process.js';
import { startSpawnHelper } from '../../src/agents/spawn-helper.js';
import { createAgents } from '../../src/agents/registry.js';
import { isOrbitError } from '../../src/util/errors.js';
import { waitUntil } from '../support/wait.js';
import { context, invocation, processAlive } from './helpers.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orbit-exec-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Every behaviour the same whether the process is spawned natively (posix_spawn), through the
// spawn helper or with Node's spawn() from here.
describe.each<SpawnVia>(['native', 'helper', 'direct'])('exec agent (spawned %s)', (spawnVia) => {
  const agent = new ExecAgent({ killGraceMs: 500, spawnVia });

  beforeAll(async () => {
    // Ready before the first run, so that none of these falls back to a direct spawn.
    if (spawnVia === 'helper') expect(await startSpawnHelper()).toBeTypeOf('number');
  });

  it('passes arguments without a shell', async () => {
    const r = await agent.run(invocation({ args: ['printf', '%s|', '$(echo hi)', 'a b', '*'] }), context());
    expect(r.exitCode).toBe(0);
    expect(r.error).toBeUndefined();
    expect(r.log).toBe('$(echo hi)|a b|*|');
  });

  it('gives the protocol environment, outputs and the workdir', async () => {
    const script = [
      'echo "action=$ORBIT_ACTION service=$ORBIT_SERVICE" >&2',
      'echo "pwd=$(pwd)"',
      'echo "version=1.2.3" >> "$ORBIT_OUTPUT"',
      'printf "notes<<EOF\\nline one\\nline=two\\nEOF\\n" >> "$ORBIT_OUTPUT"',
      'echo "step=$ORBIT_STEP" >> "$ORBIT_OUTPUT"',
      'echo "secret_env=${SOME_DAEMON_TOKEN:-unset}"',
    ].join('\n');
    process.env.SOME_DAEMON_TOKEN = 'leak';
    try {
      const r = await agent.run(
        invocation({
          args: ['sh', '-c', script],
          action: 'reverse',
          env: { ...invocation().env, ORBIT_ACTION: 'reverse' },
          params: { workdir: dir },
        }),
        context(),
      );
      expect(r.exitCode).toBe(0);
      expect(r.log).toContain('action=reverse service=waffle');
      expect(r.log).toContain(`pwd=${dir}`);
      expect(r.log).toContain('secret_env=unset');
      expect(r.outputs).toEqual({ version: '1.2.3', notes: 'line one\nline=two', step: 'step' });
    } finally {
      delete process.env.SOME_DAEMON_TOKEN;
    }
  });

  it('reports a non-zero exit code', async () => {
    const r = await agent.run(invocation({ args: ['sh', '-c', 'echo failing; exit 3'] }), context());
    expect(r.exitCode).toBe(3);
    expect(r.error).toBeUndefined();
    expect(r.log).toContain('failing');
  });

  it('turns a command that cannot start into a failed result, not a throw', async () => {
    const r = await agent.run(invocation({ args: ['/no/such/command-xyz'] }), context());
    expect(r.exitCode).not.toBe(0);
    expect(r.error?.code).toBe('E_AGENT_START');
    const empty = await agent.run(invocation({ args: [] }), context());
    expect(empty.error?.code).toBe('E_AGENT_START');
    const badCwd = await agent.run(
      invocation({ args: ['true'], params: { workdir: '/no/such/dir' } }),
      context(),
    );
    expect(badCwd.error?.code).toBe('E_AGENT_START');
  });

  it('kills the whole process tree at the timeout', async () => {
    const pidFile = join(dir, 'pids');
    // sh starts a grandchild sleep and waits; both must be gone after the timeout.
    const script = `sleep 30 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; wait`;
    const started = Date.now();
    const r = await agent.run(invocation({ args: ['sh', '-c', script], timeoutMs: 400 }), context());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.exitCode).not.toBe(0);
    expect(r.error?.code).toBe('E_AGENT_TIMEOUT');
    const pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    // Killed, but the reaping can trail the kill on a busy machine: wait for it, not a fixed 100 ms.
    await waitUntil(`pids ${pids.join(', ')} gone`, () => pids.every((pid) => !processAlive(pid)));
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
  });

  it('kills with SIGKILL a tree that ignores SIGTERM', async () => {
    const r = await agent.run(
      invocation({ args: ['sh', '-c', "trap '' TERM; sleep 30 & wait; sleep 30"], timeoutMs: 300 }),
      context(),
    );
    expect(r.error?.code).toBe('E_AGENT_TIMEOUT');
    expect(r.durationMs).toBeLessThan(5000);
  });

  it('stops on ctx.signal', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await agent.run(invocation({ args: ['sleep', '30'] }), context({ signal: ac.signal }));
    expect(r.error?.code).toBe('E_AGENT_ABORTED');
    expect(r.exitCode).not.toBe(0);
  });

  it('caps a flooding process', async () => {
    const capped = new ExecAgent({ logCap: 64 * 1024, spawnVia });
    // ~20 MiB of output through a 64 KiB log.
    const r = await capped.run(
      invocation({
        args: ['sh', '-c', 'echo FIRST; yes 0123456789abcdef | head -c 20000000; echo; echo LAST'],
      }),
      context(),
    );
    expect(r.exitCode).toBe(0);
    expect(r.log.length).toBeLessThan(70 * 1024);
    expect(r.log.startsWith('FIRST\n')).toBe(true);
    expect(r.log.trimEnd().endsWith('LAST')).toBe(true);
    expect(r.log).toMatch(/\[\.\.\. \d+ bytes elided \.\.\.\]/);
  });

  it('masks secrets in the log and in live output, even across chunks', async () => {
    const live: string[] = [];
    const r = await agent.run(
      invocation({
        args: ['sh', '-c', 'printf "pw=hunt"; sleep 0.2; printf "er2 done\\n"; echo hunter2 >&2'],
      }),
      context({ secrets: [{ name: 'pw', value: 'hunter2' }], onOutput: (c) => live.push(c) }),
    );
    expect(r.log).not.toContain('hunter2');
    expect(r.log).toContain('pw=(sensitive:pw) done');
    expect(live.length).toBeGreaterThan(0);
    expect(live.join('')).not.toContain('hunter2');
    expect(live.join('')).toContain('pw=(sensitive:pw) done');
  });

  it('gives a fresh empty outputs file and removes it after the run', async () => {
    const r = await agent.run(
      invocation({
        args: ['sh', '-c', 'test -f "$ORBIT_OUTPUT" && test ! -s "$ORBIT_OUTPUT" && echo "$ORBIT_OUTPUT"'],
      }),
      context(),
    );
    expect(r.exitCode).toBe(0);
    const file = r.log.trim();
    expect(file).not.toBe('');
    expect(existsSync(file)).toBe(false);
    const again = await agent.run(invocation({ args: ['sh', '-c', 'echo "$ORBIT_OUTPUT"'] }), context());
    expect(again.log.trim()).not.toBe(file);
  });

  it('gives every run its own empty, private outputs file, also after a temp cleaner emptied the folder', async () => {
    const check =
      'test -f "$ORBIT_OUTPUT" && test ! -s "$ORBIT_OUTPUT" && stat -c %a "$ORBIT_OUTPUT" && echo "$ORBIT_OUTPUT"';
    const seen = new Set<string>();
    const runOnce = async () => {
      const r = await agent.run(
        invocation({ args: ['sh', '-c', `${check}; echo x=1 >> "$ORBIT_OUTPUT"`] }),
        context(),
      );
      expect(r.exitCode).toBe(0);
      const [mode, file] = r.log.trim().split('\n');
      expect(mode).toBe('600');
      expect(seen.has(file!)).toBe(false);
      seen.add(file!);
      expect(r.outputs).toEqual({ x: '1' });
      return file!;
    };
    // More runs than files made ahead, one after another as steps are.
    for (let i = 0; i < 6; i++) await runOnce();
    const folder = path.dirname([...seen][0]!);
    for (const f of readdirSync(folder)) rmSync(path.join(folder, f), { recursive: true, force: true });
    await runOnce();
    rmSync(folder, { recursive: true, force: true });
    await runOnce();
  });

  it('takes an outputs file deleted or replaced by a folder as no outputs', async () => {
    for (const script of [
      'rm "$ORBIT_OUTPUT"',
      'rm "$ORBIT_OUTPUT"; mkdir "$ORBIT_OUTPUT"; touch "$ORBIT_OUTPUT/x"',
    ]) {
      const r = await agent.run(
        invocation({ args: ['sh', '-c', `${script}; echo "$ORBIT_OUTPUT"`] }),
        context(),
      );
      expect(r.exitCode).toBe(0);
      expect(r.error).toBeUndefined();
      expect(r.outputs).toEqual({});
      expect(existsSync(r.log.trim())).toBe(false);
    }
  });

  it('reports the signal that killed a process as 128 + its number', async () => {
    const r = await agent.run(invocation({ args: ['sh', '-c', 'kill -KILL $$'] }), context());
    expect(r.exitCode).toBe(137);
    expect(r.error).toBeUndefined();
  });

  it('does not wait for a background child that keeps the pipes open', async () => {
    const r = await agent.run(invocation({ args: ['sh', '-c', 'sleep 5 & echo started'] }), context());
    expect(r.exitCode).toBe(0);
    expect(r.durationMs).toBeLessThan(3000);
  });
});

describe('registry', () => {
  it('knows the built-in kinds and refuses unknown ones with a code', () => {
    const agents = createAgents();
    expect(agents.kinds()).toContain('exec');
    expect(agents.get('exec').kind).toBe('exec');
    try {
      agents.get('nope');
      expect.unreachable();
    } catch (err) {
      expect(isOrbitError(err, 'E_UNKNOWN_AGENT')).toBe(true);
    }
  });
});
