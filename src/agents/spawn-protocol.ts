/**
 * The messages between Orbit and its spawn helper (spawn-helper-main.ts) over the helper's IPC
 * channel (structured clone). Types and constants only: the helper imports nothing else of Orbit.
 */

/** Bumped with any change of these messages: a helper of another build is not used. */
export const SPAWN_PROTOCOL = 1;

/** Orbit to helper: start a process (detached, stdin ignored, stdout and stderr piped). */
export interface SpawnRequest {
  t: 'spawn';
  id: number;
  command: string;
  args: string[];
  /** Absolute: the helper's own cwd is not Orbit's once Orbit changes its own. */
  cwd: string;
  env: Record<string, string>;
  drainMs: number;
}

/** Helper to Orbit. For one id: `pid` or `error` first, then `data`, then `done`. */
export type HelperMessage =
  | { t: 'ready'; protocol: number }
  | { t: 'pid'; id: number; pid: number }
  /** The process never started; `thrown`: spawn() threw (bad arguments) instead of an error event. */
  | { t: 'error'; id: number; code?: string; message: string; thrown: boolean }
  | { t: 'data'; id: number; stderr: boolean; chunk: Uint8Array }
  /** It exited and its output drained. */
  | { t: 'done'; id: number; code: number | null; signal: NodeJS.Signals | null };
