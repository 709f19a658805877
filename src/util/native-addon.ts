/**
 * Orbit's native addon (native/addon.c, built into build/orbit_native.node by native/build.mjs
 * at `npm ci`): Linux system calls Node does not offer. Every user has a fallback in plain Node
 * for where it is not built (no C compiler, another OS) or `ORBIT_NATIVE=0`: the same behaviour,
 * slower.
 */
import { createRequire } from 'node:module';
import { builtFile } from './build-dir.js';

export interface NativeAddon {
  /**
   * posix_spawn (native/spawn.c): [id, pid, stdout fd, stderr fd], the pipes non-blocking; throws
   * an Error whose `code` is the errno name. Absent where the kernel has no pidfds (before 5.3).
   */
  spawn?(file: string, argv: string[], envp: string[], cwd: string | null): [number, number, number, number];
  /**
   * Where the events of spawned processes go: (id, 0, code, signal) at the exit (code null when a
   * signal ended it), (id, 1, pipe) the first time a pipe (0 stdout, 1 stderr) has output or closed.
   */
  setSpawnHandler?(handler: (id: number, kind: 0 | 1, a: number | null, b: number | null) => void): void;
  /** Creates each file exclusively, in one thread-pool job: a descriptor, or -errno, for each. */
  createFiles?(paths: string[], mode: number): Promise<number[]>;
}

let loaded: { addon: NativeAddon | undefined; why: string } | undefined;

function load(): { addon: NativeAddon | undefined; why: string } {
  if (process.env.ORBIT_NATIVE === '0') return { addon: undefined, why: 'ORBIT_NATIVE=0' };
  if (process.platform !== 'linux') return { addon: undefined, why: `not built on ${process.platform}` };
  const path = builtFile('orbit_native.node');
  if (!path)
    return {
      addon: undefined,
      why: 'build/orbit_native.node is missing (npm ci builds it: native/build.mjs)',
    };
  try {
    return { addon: createRequire(import.meta.url)(path) as NativeAddon, why: path };
  } catch (err) {
    return { addon: undefined, why: `cannot load ${path}: ${(err as Error).message}` };
  }
}

/** The addon if it loads here, and what was loaded (or why it was not). */
export function nativeAddon(): { addon: NativeAddon | undefined; why: string } {
  return (loaded ??= load());
}
