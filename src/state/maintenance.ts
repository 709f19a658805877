/**
 * Every append writes one small pack; left alone they would become thousands of packs, and git
 * looks an object up in each pack's index in turn. Once `packLimit` packs have been written since
 * the last look (and at the first append after an open), the writer counts the packs and, when
 * there are `packLimit` or more, consolidates them in the background with
 * `git repack --geometric=2 -d`: the small packs (and any loose objects an older Orbit left) are
 * rolled into one, and a pack is rewritten only when the newer ones together grow to half its
 * size, so the work stays proportional to what was appended, not to the history. Every object of
 * a rolled-up pack is kept, reachable or not. Never `gc`: refs are not packed under the writer's
 * CAS protocol, and nothing Orbit wrote is ever pruned.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { OrbitError } from '../util/errors.js';
import { git } from './git-cli.js';

export interface MaintenanceOptions {
  /** Packs that make a pass consolidate them; 0 turns maintenance off. Default 50 (git's gc.autoPackLimit). */
  packLimit?: number;
}

const DEFAULT_PACK_LIMIT = 50;

export class Maintenance {
  /** Packs in the repository as far as this writer knows; unknown (due for a look) after an open. */
  private packs = Number.POSITIVE_INFINITY;
  private running: Promise<void> | null = null;
  /** The last failure, cleared by a successful pass; reported, never thrown. */
  lastError: OrbitError | null = null;
  /** Consolidations run. */
  passes = 0;

  constructor(
    private readonly gitdir: string,
    private readonly options: MaintenanceOptions = {},
  ) {}

  private get limit(): number {
    return this.options.packLimit ?? DEFAULT_PACK_LIMIT;
  }

  /**
   * Counts the packs an append wrote (negative after the writer rolled its own packs into one);
   * looks (and consolidates) in the background when due.
   */
  afterAppend(packsWritten: number): void {
    this.packs += packsWritten;
    if (this.limit <= 0 || this.packs < this.limit || this.running) return;
    this.running = this.pass()
      .then(
        () => {
          this.lastError = null;
        },
        (err: unknown) => {
          // Look again only after another limit's worth of appends.
          this.packs = 0;
          this.lastError = err instanceof OrbitError ? err : new OrbitError('E_STATE_GIT', String(err));
        },
      )
      .finally(() => {
        this.running = null;
        // Appends went on during the pass: they may have made another one due.
        this.afterAppend(0);
      });
  }

  private async countPacks(): Promise<number> {
    const files = await readdir(path.join(this.gitdir, 'objects', 'pack'));
    return files.filter((f) => f.endsWith('.idx')).length;
  }

  private async pass(): Promise<void> {
    this.packs = await this.countPacks();
    if (this.packs < this.limit) return;
    await git(this.gitdir, ['repack', '--geometric=2', '-d', '-q']);
    this.passes++;
    this.packs = await this.countPacks();
  }

  /** Whether a pass is running now. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Waits for running passes (close waits, so the lock outlives them). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
