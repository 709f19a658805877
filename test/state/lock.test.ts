/**
 * The writer lock after a kill -9: whatever moment a writer dies at, the next one gets the lock at
 * once when everybody who could hold it is dead, and never while somebody alive might.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireWriterLock } from '../../src/state/lock.js';
import { isOrbitError } from '../../src/util/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const NAME = 'orbit%2Fstate';
const dirs: string[] = [];
const sleepers: number[] = [];

afterEach(() => {
  for (const pid of sleepers.splice(0)) process.kill(pid, 'SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function lockDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-lock-'));
  dirs.push(d);
  return d;
}

/** The pid of a process that has exited: what a kill -9 leaves named in a file. */
function deadPid(): number {
  const pid = spawnSync('true').pid;
  if (!pid) throw new Error('no pid');
  return pid;
}

function livePid(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  sleepers.push(child.pid!);
  return child.pid!;
}

const claim = (pid: number) =>
  JSON.stringify({ pid, hostname: os.hostname(), since: '2026-12-04T00:00:00.000Z' }) + '\n';

/** What a writer killed after proper-lockfile made the lock directory leaves: a fresh lock. */
function freshLock(dir: string): void {
  fs.writeFileSync(path.join(dir, `${NAME}.writer`), '');
  fs.mkdirSync(path.join(dir, `${NAME}.writer.lock`));
}

async function refusal(dir: string): Promise<unknown> {
  return acquireWriterLock(dir, NAME).then(
    async (lock) => {
      await lock.release();
      throw new Error('the lock was taken');
    },
    (err: unknown) => err,
  );
}

describe('writer lock', () => {
  it('is reclaimed at once from a writer killed between taking the lock and naming itself', async () => {
    const dir = lockDir();
    freshLock(dir);
    const starting = path.join(dir, `${NAME}.starting.0e1d.json`);
    fs.writeFileSync(starting, claim(deadPid()));
    const lock = await acquireWriterLock(dir, NAME);
    expect(lock.owner.pid).toBe(process.pid);
    const owner = JSON.parse(fs.readFileSync(path.join(dir, `${NAME}.owner.json`), 'utf8')) as {
      pid: number;
    };
    expect(owner.pid).toBe(process.pid);
    // The dead claimant's file is cleared, and ours is gone now that the owner file names us.
    expect(fs.readdirSync(dir).filter((f) => f.includes('.starting.'))).toEqual([]);
    await lock.release();
  });

  it('is reclaimed at once from a dead owner whose heartbeat is fresh', async () => {
    const dir = lockDir();
    freshLock(dir);
    fs.writeFileSync(path.join(dir, `${NAME}.owner.json`), claim(deadPid()));
    const lock = await acquireWriterLock(dir, NAME);
    expect(lock.owner.pid).toBe(process.pid);
    await lock.release();
  });

  it('is refused while a live process is starting, naming it', async () => {
    const dir = lockDir();
    freshLock(dir);
    const pid = livePid();
    fs.writeFileSync(path.join(dir, `${NAME}.starting.5ee9.json`), claim(pid));
    const err = await refusal(dir);
    expect(isOrbitError(err, 'E_STATE_LOCKED')).toBe(true);
    expect((err as Error).message).toContain(`process ${pid} on ${os.hostname()}`);
    expect(fs.existsSync(path.join(dir, `${NAME}.writer.lock`))).toBe(true);
  });

  it('is refused while a live owner holds it, even with dead claimants beside it', async () => {
    const dir = lockDir();
    freshLock(dir);
    const pid = livePid();
    fs.writeFileSync(path.join(dir, `${NAME}.owner.json`), claim(pid));
    fs.writeFileSync(path.join(dir, `${NAME}.starting.dead.json`), claim(deadPid()));
    const err = await refusal(dir);
    expect(isOrbitError(err, 'E_STATE_LOCKED')).toBe(true);
    expect((err as Error).message).toContain(`process ${pid}`);
  });

  it('leaves a fresh lock that names nobody to go stale, refusing until then', async () => {
    const dir = lockDir();
    freshLock(dir);
    const err = await refusal(dir);
    expect(isOrbitError(err, 'E_STATE_LOCKED')).toBe(true);
    expect((err as Error).message).toContain('owner unknown');
  });

  it('goes to exactly one of several processes reclaiming from the same dead owner', async () => {
    for (let round = 0; round < 10; round++) {
      const dir = lockDir();
      freshLock(dir);
      fs.writeFileSync(path.join(dir, `${NAME}.owner.json`), claim(deadPid()));
      const contenders = Array.from({ length: 4 }, () =>
        spawn(process.execPath, ['--import', 'tsx', path.join(here, 'lock-contender.ts'), dir, NAME], {
          stdio: ['pipe', 'pipe', 'inherit'],
        }),
      );
      const lines = contenders.map((c) => {
        const queue: string[] = [];
        const waiting: ((line: string) => void)[] = [];
        let buf = '';
        c.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            const w = waiting.shift();
            if (w) w(line);
            else queue.push(line);
          }
        });
        c.on('exit', () => waiting.splice(0).forEach((w) => w('exited')));
        return (): Promise<string> =>
          queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r));
      });
      expect(await Promise.all(lines.map((next) => next()))).toEqual(['ready', 'ready', 'ready', 'ready']);
      for (const c of contenders) c.stdin.write('go\n');
      const answers = await Promise.all(lines.map((next) => next()));
      for (const c of contenders) c.stdin.end();
      await Promise.all(
        contenders.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.on('exit', r)))),
      );
      expect(
        answers.filter((a) => a === 'got'),
        `round ${round}: ${answers.join(', ')}`,
      ).toHaveLength(1);
      expect(answers.filter((a) => a !== 'got')).toEqual([
        'E_STATE_LOCKED',
        'E_STATE_LOCKED',
        'E_STATE_LOCKED',
      ]);
    }
  });
});
