/**
 * The native spawner (native/spawn.c, in the native addon: src/util/native-addon.ts): starts a
 * process with posix_spawn, which does not copy this process the way Node's fork-based spawn()
 * does. An exec step costs about 0.8 ms less in the CLI, and a spawn does not grow with this
 * process's size (`npm run bench -- exec-overhead`), so it also replaces the spawn helper. Its
 * pipes are read here only once the addon says they have output or closed: a process that
 * writes nothing (most deploy steps print little) costs one read of each, no stream. Linux only;
 * where it is not built (or `ORBIT_NATIVE=0`) exec runs spawn as Node does, and the daemon warns
 * at start.
 */
import { closeSync, readSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import { nativeAddon, type NativeAddon } from '../util/native-addon.js';
import type { ProcessEvents, ProcessSpec } from './local-process.js';

type Spawn = NonNullable<NativeAddon['spawn']>;

/** What a running process hears from the addon (by its id). */
interface NativeRun {
  exited(code: number | null, signal: number | null): void;
  ready(pipe: 0 | 1): void;
}

const runs = new Map<number, NativeRun>();

/** The addon's spawn if it loads here (and the kernel has pidfds), and what was loaded or why not. */
export function nativeSpawner(): { spawn: Spawn | undefined; why: string } {
  return (spawner ??= loadSpawner());
}
let spawner: { spawn: Spawn | undefined; why: string } | undefined;

function loadSpawner(): { spawn: Spawn | undefined; why: string } {
  const { addon, why } = nativeAddon();
  if (!addon?.spawn || !addon.setSpawnHandler)
    return { spawn: undefined, why: addon ? 'this kernel has no pidfds (Linux 5.3 or later)' : why };
  addon.setSpawnHandler((id, kind, a, b) => {
    // Called from the addon: an exception here must not unwind through it.
    try {
      const run = runs.get(id);
      if (kind === 0) run?.exited(a, b);
      else run?.ready(a as 0 | 1);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  });
  return { spawn: addon.spawn.bind(addon), why };
}

/** A signal's name from its number, as Node reports an exit. */
const SIGNAL_NAMES = new Map(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals] as const),
);

/** Reads of a pipe done at once when it first has output; past them it is read as a stream. */
const EAGER_READS = 4;
const chunk = Buffer.allocUnsafe(64 * 1024);

/**
 * Starts `spec` through the addon; the same events, in the same order, as a spawn() by Node
 * (local-process.ts): `error` with Node's errno codes when it never started, `done` once it
 * exited and both pipes closed, or `drainMs` after the exit (a background child may hold them).
 */
export function startNative(spawn: Spawn, spec: ProcessSpec, events: ProcessEvents): void {
  const envp = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  let started: [number, number, number, number];
  try {
    started = spawn(spec.command, [spec.command, ...spec.args], envp, spec.cwd ?? null);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    events.error(code, `spawn ${spec.command} ${code ?? (err as Error).message}`, false);
    return;
  }
  const [id, pid] = started;
  // Each pipe: its descriptor until closed (null), or the stream reading it.
  const pipes: Array<number | Socket | null> = [started[2], started[3]];
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let drainTimer: NodeJS.Timeout | undefined;

  const finish = () => {
    if (!exit || pipes.some((p) => p !== null)) return;
    if (drainTimer) clearTimeout(drainTimer);
    runs.delete(id);
    events.done(exit.code, exit.signal);
  };
  const closed = (i: 0 | 1) => {
    const p = pipes[i];
    pipes[i] = null;
    if (typeof p === 'number') closeSync(p);
    else p?.destroy();
    finish();
  };
  const stream = (i: 0 | 1, fd: number) => {
    const s = new Socket({ fd, readable: true, writable: false });
    pipes[i] = s;
    s.on('data', (data: Buffer) => events.data(data, i === 1));
    // A read error ends the pipe like its end: the exit is what the step waits for.
    s.on('error', () => s.destroy());
    s.on('close', () => pipes[i] === s && closed(i));
  };
  runs.set(id, {
    exited: (code, sig) => {
      exit = { code, signal: sig === null ? null : (SIGNAL_NAMES.get(sig) ?? 'SIGKILL') };
      if (pipes.some((p) => p !== null))
        drainTimer = setTimeout(() => {
          for (const i of [0, 1] as const) if (pipes[i] !== null) closed(i);
        }, spec.drainMs);
      finish();
    },
    ready: (i) => {
      const fd = pipes[i];
      if (typeof fd !== 'number') return;
      for (let n = 0; n < EAGER_READS; n++) {
        let got: number;
        try {
          got = readSync(fd, chunk, 0, chunk.length, null);
        } catch (err) {
          // Nothing more yet: the rest comes through a stream.
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return stream(i, fd);
          return closed(i);
        }
        if (got === 0) return closed(i);
        events.data(Buffer.from(chunk.subarray(0, got)), i === 1);
      }
      stream(i, fd);
    },
  });
  events.pid(pid);
}
