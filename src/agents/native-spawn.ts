/**
 * The native spawner (native/spawn.c, in the native addon: src/util/native-addon.ts): starts a
 * process with posix_spawn, which does not copy this process the way Node's fork-based spawn()
 * does. An exec step costs about 0.8 ms less in the CLI, and a spawn does not grow with this
 * process's size (`npm run bench -- exec-overhead`), so it also replaces the spawn helper. Linux
 * only; where it is not built (or `ORBIT_NATIVE=0`) exec runs spawn as Node does, and the daemon
 * warns at start.
 */
import { constants } from 'node:os';
import { Socket } from 'node:net';
import { nativeAddon, type NativeAddon } from '../util/native-addon.js';
import { drained } from './drain.js';
import type { ProcessEvents, ProcessSpec } from './local-process.js';

type Spawn = NonNullable<NativeAddon['spawn']>;

/** The addon's spawn if it loads here (and the kernel has pidfds), and what was loaded or why not. */
export function nativeSpawner(): { spawn: Spawn | undefined; why: string } {
  const { addon, why } = nativeAddon();
  if (addon && !addon.spawn)
    return { spawn: undefined, why: 'this kernel has no pidfds (Linux 5.3 or later)' };
  return { spawn: addon?.spawn?.bind(addon), why };
}

/** A signal's name from its number, as Node reports an exit. */
const SIGNAL_NAMES = new Map(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals] as const),
);

/**
 * Starts `spec` through the addon; the same events, in the same order, as a spawn() by Node
 * (local-process.ts): `error` with Node's errno codes when it never started.
 */
export function startNative(spawn: Spawn, spec: ProcessSpec, events: ProcessEvents): void {
  const envp = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  // The exit comes through the event loop, after the streams below exist; both are awaited anyway.
  const output: { streams?: Socket[] } = {};
  const finish = () => {
    if (!exit || !output.streams) return;
    const { code, signal } = exit;
    void drained(output.streams, spec.drainMs).then(() => events.done(code, signal));
  };
  let started: [number, number, number];
  try {
    started = spawn(spec.command, [spec.command, ...spec.args], envp, spec.cwd ?? null, (code, sig) => {
      // Called from the addon's callback: an exception here must not unwind through it.
      try {
        exit = { code, signal: sig === null ? null : (SIGNAL_NAMES.get(sig) ?? 'SIGKILL') };
        finish();
      } catch (err) {
        process.nextTick(() => {
          throw err;
        });
      }
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    events.error(code, `spawn ${spec.command} ${code ?? (err as Error).message}`, false);
    return;
  }
  const [pid, outFd, errFd] = started;
  events.pid(pid);
  output.streams = [outFd, errFd].map((fd, i) => {
    const s = new Socket({ fd, readable: true, writable: false });
    s.on('data', (chunk: Buffer) => events.data(chunk, i === 1));
    // A read error ends the stream like EOF: the exit is what the step waits for.
    s.on('error', () => s.destroy());
    return s;
  });
  finish();
}
