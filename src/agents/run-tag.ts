/**
 * Finding what a killed Orbit left running. Every process an agent starts for one run of a step
 * inherits `ORBIT_RUN=<tag>` (a random tag written to the log before the run), so recovery finds
 * the whole tree through /proc, including children that left the process group. Matching the tag
 * rather than a recorded pid cannot hit an unrelated process that reused the pid.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { OrbitError } from '../util/errors.js';

export const RUN_TAG_ENV = 'ORBIT_RUN';

export const newRunTag = (): string => randomUUID();

/** Pids of live processes whose environment holds `ORBIT_RUN=<tag>` (Linux; empty elsewhere). */
export function taggedProcesses(tag: string): number[] {
  const needle = Buffer.from(`\0${RUN_TAG_ENV}=${tag}\0`);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      // A leading NUL lets the first variable match like the others.
      const env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${name}/environ`), Buffer.from([0])]);
      if (env.includes(needle)) found.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a process may outlive SIGKILL (exiting takes a moment) before recovery gives up. */
const KILL_WAIT_MS = 10_000;

/**
 * Stops every process of a run and returns once none is left: SIGTERM, then SIGKILL after
 * `graceMs`. Returns how many processes were found. Throws `E_ORPHAN_ALIVE` when one outlives
 * SIGKILL (another user's process, stuck in the kernel): reversing under it would be unsafe.
 */
export async function stopTagged(tag: string, graceMs = 2000): Promise<number> {
  const first = taggedProcesses(tag);
  if (first.length === 0) return 0;
  signal(first, 'SIGTERM');
  const killAt = Date.now() + graceMs;
  for (;;) {
    const left = taggedProcesses(tag);
    if (left.length === 0) return first.length;
    if (Date.now() >= killAt + KILL_WAIT_MS) {
      throw new OrbitError(
        'E_ORPHAN_ALIVE',
        `processes left running by an interrupted step (pids ${left.join(', ')}) survive SIGKILL; nothing was reversed`,
        { pids: left, runTag: tag },
      );
    }
    if (Date.now() >= killAt) signal(left, 'SIGKILL');
    await pause(20);
  }
}
