import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessEvents, ProcessSpec } from '../../src/agents/local-process.js';
import { nativeSpawner, startNative } from '../../src/agents/native-spawn.js';
import { processAlive } from './helpers.js';

// What the native spawner (native/spawn.c) must do as Node's spawn() does; the exec agent's own
// suite (exec-agent.test.ts) runs every step behaviour through it as well.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'orbit-native-spawn-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  pid?: number;
  out: string;
  err: string;
  error?: { code: string | undefined; message: string };
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/** Runs through the addon; resolves at `done` or `error`. */
function run(
  spec: Partial<ProcessSpec> & Pick<ProcessSpec, 'command' | 'args'>,
  onPid?: (pid: number) => void,
) {
  const { spawn: native } = nativeSpawner();
  if (!native) throw new Error('the native spawner is not built');
  const r: Run = { out: '', err: '' };
  return new Promise<Run>((resolve) => {
    const events: ProcessEvents = {
      pid: (pid) => {
        r.pid = pid;
        onPid?.(pid);
      },
      data: (chunk, stderr) => {
        if (stderr) r.err += chunk.toString();
        else r.out += chunk.toString();
      },
      error: (code, message) => resolve({ ...r, error: { code, message } }),
      done: (code, signal) => resolve({ ...r, exit: { code, signal } }),
      lost: () => resolve(r),
    };
    startNative(native, { cwd: undefined, env: { PATH: '/usr/bin:/bin' }, drainMs: 2000, ...spec }, events);
  });
}

describe('native spawner', () => {
  it('is built and loads here (npm ci builds it; CI requires it)', () => {
    const { spawn: native, why } = nativeSpawner();
    expect(why).toMatch(/orbit_native\.node$/);
    expect(native).toBeTypeOf('function');
  });

  it('gives the child default signals, none blocked, its own session, stdin on /dev/null', async () => {
    const r = await run({
      command: 'sh',
      args: [
        '-c',
        'grep -E "^Sig(Blk|Ign)" /proc/self/status; ps -o pid=,pgid=,sid= -p $$; wc -c </dev/stdin',
      ],
    });
    expect(r.exit).toEqual({ code: 0, signal: null });
    const ignored = BigInt(`0x${/SigIgn:\s*([0-9a-f]+)/.exec(r.out)![1]}`);
    // Node itself ignores SIGPIPE: a child that inherited that would not die writing to a closed pipe.
    // (glibc's posix_spawn leaves only its own internal signals 32 and 33 ignored.)
    expect(ignored & ~(3n << 31n)).toBe(0n);
    expect(/SigBlk:\s*0+\n/.test(r.out)).toBe(true);
    const [pid, pgid, sid] = r.out.trim().split('\n').at(-2)!.trim().split(/\s+/).map(Number);
    expect([pgid, sid]).toEqual([pid, pid]);
    expect(r.out.trim().split('\n').at(-1)).toBe('0');
  });

  it('passes argv and envp as given and keeps stdout and stderr apart', async () => {
    const r = await run({
      command: 'sh',
      args: ['-c', 'printf "%s|" "$0" "$1" "$X"; echo oops >&2; exit 7', 'a b', '$(no)'],
      env: { PATH: '/usr/bin:/bin', X: 'x=y' },
    });
    expect(r).toMatchObject({ out: 'a b|$(no)|x=y|', err: 'oops\n', exit: { code: 7, signal: null } });
  });

  it("looks the command up in the child's PATH, not Orbit's, and runs it in cwd", async () => {
    const bin = join(dir, 'bin');
    await rm(bin, { recursive: true, force: true });
    await (await import('node:fs/promises')).mkdir(bin);
    await writeFile(join(bin, 'only-here'), '#!/bin/sh\npwd\n');
    await chmod(join(bin, 'only-here'), 0o755);
    await writeFile(join(bin, 'not-executable'), '#!/bin/sh\n');
    const r = await run({
      command: 'only-here',
      args: [],
      cwd: dir,
      env: { PATH: `/nonexistent:${bin}:/bin` },
    });
    expect(r).toMatchObject({ out: `${dir}\n`, exit: { code: 0 } });
    expect(process.env.PATH).not.toContain(bin);
    expect((await run({ command: 'not-executable', args: [], env: { PATH: bin } })).error?.code).toBe(
      'EACCES',
    );
    // A path with a slash, and a relative PATH entry, are the child's: resolved in its cwd.
    expect(await run({ command: './bin/only-here', args: [], cwd: dir })).toMatchObject({
      exit: { code: 0 },
    });
    expect(await run({ command: 'only-here', args: [], cwd: dir, env: { PATH: 'bin' } })).toMatchObject({
      out: `${dir}\n`,
      exit: { code: 0 },
    });
  });

  it('reads output that comes in pieces, in bulk and on stderr alone, all of it and in order', async () => {
    // Read at once while there is some, then as a stream once the pipe waits for more.
    const pieces = await run({
      command: 'sh',
      args: ['-c', 'printf a; sleep 0.2; printf b; sleep 0.1; printf c'],
    });
    expect(pieces).toMatchObject({ out: 'abc', err: '', exit: { code: 0 } });
    // More than a pipe holds (64 KiB) and more than the first reads take: nothing lost.
    const bulk = await run({
      command: 'sh',
      args: ['-c', 'head -c 3000000 /dev/zero | tr "\\0" x; echo end >&2'],
    });
    expect(bulk.out.length).toBe(3_000_000);
    expect(bulk.out).toMatch(/^x+$/);
    expect(bulk).toMatchObject({ err: 'end\n', exit: { code: 0 } });
    const quiet = await run({ command: 'sh', args: ['-c', 'echo only-stderr >&2; exit 2'] });
    expect(quiet).toMatchObject({ out: '', err: 'only-stderr\n', exit: { code: 2 } });
  });

  it('reports what Node reports when the process cannot start', async () => {
    expect((await run({ command: 'no-such-command-here', args: [] })).error).toEqual({
      code: 'ENOENT',
      message: 'spawn no-such-command-here ENOENT',
    });
    expect((await run({ command: 'true', args: [], cwd: join(dir, 'missing') })).error?.code).toBe('ENOENT');
    // A NUL would cut the argument short: refused, never run with a shorter one.
    expect((await run({ command: 'true', args: ['a\0b'] })).error?.code).toBe('EINVAL');
    expect((await run({ command: 'true', args: [], env: { PATH: '/bin', X: 'a\0b' } })).error?.code).toBe(
      'EINVAL',
    );
  });

  it('reports a signal by name and reaps the process (no zombie left)', async () => {
    const r = await run({ command: 'sleep', args: ['30'] }, (pid) => process.kill(pid, 'SIGTERM'));
    expect(r.exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(processAlive(r.pid!)).toBe(false);
    // Reaped, not a zombie: its /proc entry is gone.
    expect((await import('node:fs')).existsSync(`/proc/${r.pid}`)).toBe(false);
  });

  it("leaves Node's own children to Node: both kinds exit and are reported, side by side", async () => {
    const node = new Promise<number | null>((resolve) =>
      spawn('sh', ['-c', 'sleep 0.2; exit 4']).on('exit', resolve),
    );
    const runs = await Promise.all([
      node,
      ...[1, 2, 3].map((n) => run({ command: 'sh', args: ['-c', `exit ${n}`] })),
    ]);
    expect(runs[0]).toBe(4);
    expect(runs.slice(1).map((r) => (r as Run).exit?.code)).toEqual([1, 2, 3]);
  });

  it('does not keep Node running once its processes exited', async () => {
    // A Node process that starts one through the addon and has nothing else to do must exit.
    const script = `
      import { nativeSpawner, startNative } from ${JSON.stringify(new URL('../../src/agents/native-spawn.ts', import.meta.url).href)};
      const noop = () => {};
      startNative(nativeSpawner().spawn, { command: 'true', args: [], cwd: undefined, env: { PATH: '/bin:/usr/bin' }, drainMs: 100 },
        { pid: noop, data: noop, error: noop, lost: noop, done: (code) => console.log('done', code) });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, out }).toEqual({ code: 0, out: 'done 0\n' });
  });
});
