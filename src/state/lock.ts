import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';
import { OrbitError } from '../util/errors.js';
import { writeFileAtomic } from './atomic-fs.js';
import { processAlive } from '../util/process-alive.js';

export interface LockOwner {
  pid: number;
  hostname: string;
  since: string;
}

export interface WriterLock {
  readonly owner: LockOwner;
  /** Set when the lock was taken away (e.g. its directory removed, the clock jumped): stop writing. */
  compromised: Error | null;
  release(): Promise<void>;
}

/** A lock older than this without a heartbeat is stale: a crashed holder is replaced without a human. */
const STALE_MS = 10_000;

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await fsp.readFile(file, 'utf8')) as LockOwner;
  } catch {
    // Missing or half-written: nobody is named, and a live-looking lock is not taken over.
    return null;
  }
}

/**
 * One writer process per state branch: proper-lockfile (a directory created atomically, its mtime
 * refreshed as a heartbeat, stale after 10 s), plus an owner file naming pid, host and since-when
 * so a refused second writer can say who holds it. A holder on this host whose pid is gone is
 * reclaimed at once rather than after the stale period.
 */
export async function acquireWriterLock(dir: string, name: string): Promise<WriterLock> {
  await fsp.mkdir(dir, { recursive: true });
  const target = path.join(dir, `${name}.writer`);
  const ownerFile = path.join(dir, `${name}.owner.json`);
  await fsp.writeFile(target, '', { flag: 'a' });
  const state: { compromised: Error | null } = { compromised: null };
  const take = (): Promise<() => Promise<void>> =>
    lockfile.lock(target, {
      stale: STALE_MS,
      update: STALE_MS / 4,
      retries: 0,
      realpath: false,
      onCompromised: (err) => {
        state.compromised = err;
      },
    });

  let release: () => Promise<void>;
  try {
    release = await take();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const holder = await readOwner(ownerFile);
    if (
      holder &&
      holder.hostname === os.hostname() &&
      holder.pid !== process.pid &&
      !processAlive(holder.pid)
    ) {
      // The holder died (SIGKILL, power cut): its heartbeat may still look fresh; take over now.
      await fsp.rm(`${target}.lock`, { recursive: true, force: true });
      release = await take().catch((again: unknown) => {
        throw locked(again, holder, target);
      });
    } else throw locked(err, holder, target);
  }
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString() };
  await writeFileAtomic(ownerFile, JSON.stringify(owner) + '\n');
  return {
    owner,
    get compromised() {
      return state.compromised;
    },
    set compromised(v) {
      state.compromised = v;
    },
    async release() {
      await fsp.rm(ownerFile, { force: true }).catch(() => undefined);
      await release().catch(() => undefined);
    },
  };
}

/**
 * Whether a writer holds the lock now: its owner file names a live process on this host (one on
 * another host is taken to be alive). A reader uses it to tell a deployment in flight from one a
 * crash left behind.
 */
export async function writerAlive(dir: string, name: string): Promise<boolean> {
  const holder = await readOwner(path.join(dir, `${name}.owner.json`));
  if (!holder) return false;
  return holder.hostname !== os.hostname() || processAlive(holder.pid);
}

function locked(cause: unknown, holder: LockOwner | null, target: string): OrbitError {
  const who = holder
    ? `process ${holder.pid} on ${holder.hostname} since ${holder.since}`
    : 'another process (owner unknown)';
  return new OrbitError(
    'E_STATE_LOCKED',
    `the state log is locked by ${who}; only one Orbit writer may run per repository`,
    { holder, lock: `${target}.lock` },
    { cause },
  );
}
