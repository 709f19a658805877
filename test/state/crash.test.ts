import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStateLog } from '../../src/state/index.js';
import { gitProcessesEnded } from '../support/processes.js';
import { entry, gitOut, tempRepo } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Starts the looping writer, lets it write `minimum` acknowledged entries, then SIGKILLs it. */
function killMidAppend(dir: string, minimum: number, extraMs: number, mode = ''): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const writer = [path.join(here, 'crash-writer.ts'), dir, mode];
    const child = spawn(process.execPath, ['--import', 'tsx', ...writer], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: string[] = [];
    let buf = '';
    let stderr = '';
    let killing = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (/^[0-9a-f]{40}$/.test(l)) acked.push(l);
      if (acked.length >= minimum && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited early: ${stderr}`)),
    );
  });
}

describe('state log after a crash', () => {
  it('a writer SIGKILLed mid-append leaves a valid branch, loses no acknowledged entry, and the next open succeeds', async () => {
    const dir = tempRepo();
    for (const [round, extra] of [
      [0, 3],
      [1, 17],
      [2, 0],
    ] as const) {
      const acked = await killMidAppend(dir, 5 + round * 3, extra);
      // Its background repack, if one was running, goes on: fsck only after it.
      await gitProcessesEnded(path.join(dir, '.git'));
      gitOut(dir, ['fsck', '--strict', '--no-dangling']);
      // Every acknowledged entry is on the branch.
      for (const sha of acked) gitOut(dir, ['merge-base', '--is-ancestor', sha, 'orbit/state']);
      const head = gitOut(dir, ['rev-parse', 'orbit/state']).trim();
      expect(JSON.parse(gitOut(dir, ['show', `${head}:entry.json`])).service_id).toBe('crash');

      // The dead writer's lock is reclaimed at once (its pid is gone), and the log reopens.
      const t = Date.now();
      const log = await openStateLog({ dir });
      expect(Date.now() - t).toBeLessThan(5_000);
      expect(log.head()).toBe(head);
      const svc = await log.service('crash');
      expect(svc?.in_flight).toMatch(/^crash-\d+$/);
      await log.close();
    }
  }, 60_000);

  it('a writer SIGKILLed mid-batch leaves all of the batch on the branch or none of it', async () => {
    const dir = tempRepo();
    for (const [round, extra] of [
      [0, 2],
      [1, 11],
      [2, 0],
    ] as const) {
      const acked = await killMidAppend(dir, 3 + round * 2, extra, 'batch');
      // Its background repack, if one was running, goes on: fsck only after it.
      await gitProcessesEnded(path.join(dir, '.git'));
      gitOut(dir, ['fsck', '--strict', '--no-dangling']);
      for (const sha of acked) gitOut(dir, ['merge-base', '--is-ancestor', sha, 'orbit/state']);
      // Every batch is deploy-started, step-started, step-applied, deploy-succeeded: the head is
      // always a batch's last entry, and the history whole batches.
      const kinds = gitOut(dir, ['log', '--format=%(trailers:key=Orbit-Event,valueonly)', 'orbit/state'])
        .split('\n')
        .filter((l) => l.trim() !== '');
      expect(kinds.length % 4).toBe(0);
      expect(kinds.slice(0, 4)).toEqual([
        'deploy-succeeded',
        'step-applied',
        'step-started',
        'deploy-started',
      ]);

      // No deployment is left half-recorded: none is in flight.
      const log = await openStateLog({ dir });
      expect((await log.service('crash'))?.in_flight ?? null).toBeNull();
      await log.close();
    }
  }, 60_000);

  it('a ref lock a killed writer left is removed at the next open; a fresh foreign one is left alone', async () => {
    const dir = tempRepo();
    let log = await openStateLog({ dir });
    const head = await log.append(
      entry('deploy-started', { service_id: 'crash', deploy_id: 'crash-1', step_count: 1 }),
    );
    await log.close();
    const lock = path.join(dir, '.git', 'refs', 'heads', 'orbit', 'state.lock');

    // Killed between creating the lock and renaming it: the lock names an Orbit entry commit, or nothing.
    for (const content of [`${head}\n`, '']) {
      fs.writeFileSync(lock, content);
      log = await openStateLog({ dir });
      expect(fs.existsSync(lock)).toBe(false);
      await log.append(
        entry('step-started', { service_id: 'crash', deploy_id: 'crash-1', step_index: 0, step_name: 'a' }),
      );
      await log.close();
    }

    // A lock holding something else may be a git command at work: only a stale one goes.
    fs.writeFileSync(lock, `${'0'.repeat(40)}\n`);
    log = await openStateLog({ dir });
    expect(fs.existsSync(lock)).toBe(true);
    await log.close();
    fs.rmSync(lock);
  });
});
