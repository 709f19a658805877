import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { drained } from './drain.js';
import { nativeSpawner, startNative } from './native-spawn.js';
import { readySpawnHelper, type HelperRun } from './spawn-helper.js';

/** A process to start detached (leading its own process group), stdin ignored, output piped. */
export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string | undefined;
  env: Record<string, string>;
  /** How long to wait for stdout/stderr to close after the process exited. */
  drainMs: number;
}

/**
 * What a run hears, in this order: `pid` (or `error`: it never started, `thrown` when spawn()
 * threw rather than reported), `data`, then `done` once it exited and its output drained; `lost`
 * instead of `done` if the spawn helper died meanwhile.
 */
export type ProcessEvents = HelperRun;

/**
 * How exec runs start their processes: with posix_spawn through the native spawner
 * (native-spawn.ts), through the spawn helper once it is ready, with Node's spawn() from here, or
 * (`auto`) natively where the spawner is built, else through the helper only while this process
 * is big enough for its own fork to cost more. `native` falls back as `auto` does when the
 * spawner is not built.
 */
export type SpawnVia = 'auto' | 'native' | 'helper' | 'direct';

/**
 * Where a spawn from here starts to cost more than one through the helper (about 45 MiB itself,
 * plus two IPC messages). An exec run of `true`, helper over direct, on a quiet machine: ×1.16 at
 * 56 MiB, ×0.74 at 92 MiB, ×0.54 at 123 MiB, ×0.42 at 159 MiB; on a loaded one ×0.43 at 248 MiB
 * and ×0.28 at 394 MiB (`ORBIT_BENCH_BALLAST_MB=0,150,300 npm run bench -- exec-overhead`).
 * Only where the native spawner is not built: its posix_spawn copies nothing of this process, and
 * beats both at any size (1.2-1.3 ms a run of `echo` at 100 and 240 MiB, against 2.0 and 4.0 ms
 * direct and 2.2 ms through the helper). Without it, the CLI (60-80 MiB) spawns itself and a
 * daemon with hundreds of services uses the helper.
 */
export const HELPER_MIN_RSS = 96 * 2 ** 20;

/** Whether a run spawns through the helper, given this process's resident memory. */
export function throughHelper(via: SpawnVia, rss: number): boolean {
  return via === 'helper' || ((via === 'auto' || via === 'native') && rss >= HELPER_MIN_RSS);
}

/**
 * This process's resident memory, read at most once a second: reading it (from /proc) cost
 * 0.05-0.1 ms a spawn, and it changes slowly.
 */
let rssRead = { at: -Infinity, bytes: 0 };
function residentBytes(): number {
  const now = performance.now();
  if (now - rssRead.at >= 1000) rssRead = { at: now, bytes: process.memoryUsage.rss() };
  return rssRead.bytes;
}

export function startProcess(spec: ProcessSpec, events: ProcessEvents, via: SpawnVia): void {
  const native = via === 'auto' || via === 'native' ? nativeSpawner().spawn : undefined;
  if (native) return startNative(native, spec, events);
  const helper = via !== 'direct' && throughHelper(via, residentBytes()) ? readySpawnHelper() : undefined;
  if (!helper) return startDirect(spec, events);
  const { cwd, ...rest } = spec;
  helper.spawn({ ...rest, cwd: resolve(cwd ?? '.') }, events);
}

/** spawn() from this process (which blocks it for the fork, longer the bigger the process is). */
function startDirect(spec: ProcessSpec, events: ProcessEvents): void {
  let child;
  try {
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    events.error(undefined, (err as Error).message, true);
    return;
  }
  if (child.pid !== undefined) events.pid(child.pid);
  child.stdout.on('data', (chunk: Buffer) => events.data(chunk, false));
  child.stderr.on('data', (chunk: Buffer) => events.data(chunk, true));
  child.on('error', (err: NodeJS.ErrnoException) => {
    // 'error' before a pid means the command never started (ENOENT, EACCES, bad cwd).
    if (child.pid === undefined) events.error(err.code, err.message, false);
  });
  child.on('exit', (code, signal) => {
    void drained([child.stdout, child.stderr], spec.drainMs).then(() => events.done(code, signal));
  });
}
