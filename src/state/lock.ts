import { randomUUID } from 'node:crypto';
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

/** Alive as far as this host can tell: a process on another host is taken to be alive. */
function ownerAlive(owner: LockOwner): boolean {
  return owner.hostname !== os.hostname() || processAlive(owner.pid);
}

interface Claims {
  holder: LockOwner | null;
  /** Other processes between announcing themselves and naming themselves owner. */
  starting: { file: string; owner: LockOwner | null }[];
}

async function readClaims(dir: string, name: string, ownerFile: string, mine: string): Promise<Claims> {
  const prefix = `${name}.starting.`;
  const files = (await fsp.readdir(dir)).filter(
    (f) => f.startsWith(prefix) && f.endsWith('.json') && path.join(dir, f) !== mine,
  );
  const starting = await Promise.all(
    files.map(async (f) => ({ file: path.join(dir, f), owner: await readOwner(path.join(dir, f)) })),
  );
  return { holder: await readOwner(ownerFile), starting };
}

type Verdict =
  | { kind: 'held'; who: LockOwner }
  /** Somebody may be about to name themselves, or is letting go: worth a moment's wait. */
  | { kind: 'unsettled'; who: LockOwner | null }
  /** Everyone who could hold it is dead on this host. */
  | { kind: 'dead' };

function judge(c: Claims): Verdict {
  if (c.holder && ownerAlive(c.holder)) return { kind: 'held', who: c.holder };
  const live = c.starting.find((s) => !s.owner || ownerAlive(s.owner));
  if (live) return { kind: 'unsettled', who: live.owner };
  // Nobody named at all: a holder letting go (owner file removed first), an older Orbit, a lock
  // made by hand. Not reclaimed: it frees itself or goes stale.
  if (!c.holder && c.starting.length === 0) return { kind: 'unsettled', who: null };
  return { kind: 'dead' };
}

/** How long a contender waits for an unsettled lock to settle before it is refused. */
const SETTLE_MS = 2_000;
const SETTLE_POLL_MS = 20;

/**
 * One writer process per state branch: proper-lockfile (a directory created atomically, its mtime
 * refreshed as a heartbeat, stale after 10 s), plus an owner file naming pid, host and since-when
 * so a refused second writer can say who holds it. A holder on this host whose pid is gone is
 * reclaimed at once rather than after the stale period.
 *
 * Taking the directory and writing the owner file are two steps, so each attempt is announced by a
 * "starting" file naming the process, removed once the attempt is settled: a kill between the two
 * leaves a dead claimant to reclaim from, not a lock that names nobody. A contender refused by the
 * directory withdraws its own starting file first (it cannot be the holder), so contenders do not
 * block each other; it waits briefly while a live one is still starting. Reclaims are serialised
 * by a second lock and judged again inside it, so two processes finding the same dead holder
 * cannot both remove the lock and both win.
 */
export async function acquireWriterLock(dir: string, name: string): Promise<WriterLock> {
  await fsp.mkdir(dir, { recursive: true });
  const target = path.join(dir, `${name}.writer`);
  const ownerFile = path.join(dir, `${name}.owner.json`);
  const startingFile = path.join(dir, `${name}.starting.${randomUUID()}.json`);
  await fsp.writeFile(target, '', { flag: 'a' });
  const state: { compromised: Error | null } = { compromised: null };
  const options = { stale: STALE_MS, update: STALE_MS / 4, retries: 0, realpath: false };
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString() };
  const ownerText = JSON.stringify(owner) + '\n';
  const claims = (): Promise<Claims> => readClaims(dir, name, ownerFile, startingFile);

  /** Announce, take the directory, name ourselves: the owner file exists before the announcement goes. */
  const attempt = async (): Promise<() => Promise<void>> => {
    await writeFileAtomic(startingFile, ownerText);
    try {
      const release = await lockfile.lock(target, {
        ...options,
        onCompromised: (err) => {
          state.compromised = err;
        },
      });
      try {
        await writeFileAtomic(ownerFile, ownerText);
      } catch (err) {
        await release().catch(() => undefined);
        throw err;
      }
      return release;
    } finally {
      await fsp.rm(startingFile, { force: true });
    }
  };

  const reclaim = async (): Promise<(() => Promise<void>) | Verdict> => {
    let unlock: () => Promise<void>;
    try {
      unlock = await lockfile.lock(`${target}.reclaim`, {
        ...options,
        retries: { retries: 10, minTimeout: 10, maxTimeout: 100 },
        onCompromised: () => undefined,
      });
    } catch (err) {
      throw locked(err, null, target);
    }
    try {
      // Judged again inside: another reclaimer may have taken it and named itself meanwhile.
      const now = await claims();
      const verdict = judge(now);
      if (verdict.kind !== 'dead') return verdict;
      await fsp.rm(`${target}.lock`, { recursive: true, force: true });
      try {
        const got = await attempt();
        // The dead claimants' files go with their lock (an open that met no lock reads none of them).
        await Promise.all(now.starting.map((c) => fsp.rm(c.file, { force: true }).catch(() => undefined)));
        return got;
      } catch (err) {
        // A newcomer made the directory first, after the removal: it is the holder now.
        if ((err as NodeJS.ErrnoException).code === 'ELOCKED') return { kind: 'unsettled', who: null };
        throw err;
      }
    } finally {
      await unlock().catch(() => undefined);
    }
  };

  const acquire = async (): Promise<() => Promise<void>> => {
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
        let verdict = judge(await claims());
        if (verdict.kind === 'dead') {
          const got = await reclaim();
          if (typeof got === 'function') return got;
          verdict = got;
        }
        if (verdict.kind === 'held' || Date.now() >= deadline)
          throw locked(err, verdict.kind === 'dead' ? null : verdict.who, target);
        await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
      }
    }
  };

  const release = await acquire();
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
  return holder !== null && ownerAlive(holder);
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
