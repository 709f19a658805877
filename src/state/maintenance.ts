/**
 * Every append writes a handful of loose objects; left alone they become hundreds of thousands of
 * small files. Once enough have been written since the last pass, the writer packs them in the
 * background (`git repack -d`: one new pack of the loose objects, whose loose copies go), and
 * consolidates the packs when there are many (`git repack -a -d`). Never `gc`: refs are not packed
 * under the writer's CAS protocol, and nothing Orbit wrote is ever pruned.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { OrbitError } from '../util/errors.js';
import { git } from './git-cli.js';

export interface MaintenanceOptions {
  /** Loose objects written before a pack pass; 0 turns maintenance off. Default 5000. */
  looseObjectLimit?: number;
  /** Packs that make a pass consolidate them into one. Default 50 (git's gc.autoPackLimit). */
  packLimit?: number;
}

export class Maintenance {
  private loose = 0;
  private running: Promise<void> | null = null;
  /** The last failure, cleared by a successful pass; reported, never thrown. */
  lastError: OrbitError | null = null;
  passes = 0;

  constructor(
    private readonly gitdir: string,
    private readonly options: MaintenanceOptions = {},
  ) {}

  /** Counts the objects an append wrote; starts a pass in the background when due. */
  afterAppend(objectsWritten: number): void {
    const limit = this.options.looseObjectLimit ?? 5000;
    this.loose += objectsWritten;
    if (limit <= 0 || this.loose < limit || this.running) return;
    this.loose = 0;
    this.running = this.pass()
      .then(
        () => {
          this.lastError = null;
          this.passes++;
        },
        (err: unknown) => {
          this.lastError = err instanceof OrbitError ? err : new OrbitError('E_STATE_GIT', String(err));
        },
      )
      .finally(() => {
        this.running = null;
      });
  }

  private async pass(): Promise<void> {
    await git(this.gitdir, ['repack', '-d', '-q']);
    const packs = (await readdir(path.join(this.gitdir, 'objects', 'pack'))).filter((f) =>
      f.endsWith('.pack'),
    );
    if (packs.length >= (this.options.packLimit ?? 50)) await git(this.gitdir, ['repack', '-a', '-d', '-q']);
  }

  /** Waits for a running pass (close waits, so the lock outlives it). */
  async idle(): Promise<void> {
    await this.running;
  }
}
