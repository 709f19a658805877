import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { nativeAddon } from './native-addon.js';

const openAsync = promisify(fs.open);
const closeAsync = promisify(fs.close);

export interface TempFilePoolOptions {
  /** Empty files kept made ahead of need (default 16). */
  size?: number;
  /** The files' mode from their creation (default 0444, as git's object files are). */
  mode?: number;
  /** The start of the files' names (default `obj`), then the process id, a random part, a count. */
  prefix?: string;
}

/**
 * Creates each file exclusively, write-only: a descriptor for each, or a negative number where it
 * could not be. Through the native addon in one thread-pool job where it is built (an fs.open()
 * per file cost the event loop 10-60 µs to submit, four files an exec step), else one open each.
 */
async function createExclusive(names: string[], mode: number): Promise<number[]> {
  const native = nativeAddon().addon?.createFiles;
  if (native) return native(names, mode);
  const opened = await Promise.allSettled(names.map((name) => openAsync(name, 'wx', mode)));
  return opened.map((r) => (r.status === 'fulfilled' ? r.value : -1));
}

/**
 * Temp files made ahead of need in `dir`, filled and handed out by name: the state writer's
 * objects (in the repository's temp dir, emptied by the writer when it opens) and the exec agent's
 * outputs files (in a private folder). Creating a file is the one slow call (allocating an inode:
 * up to a millisecond on a busy ext4, where opening an existing one takes microseconds), so empty
 * files are created ahead of need on the thread pool, between uses, and a use only fills one.
 * Each pooled file stays open from its creation, so a use writes through the descriptor rather
 * than opening the file again. The calls of a use are synchronous: for a few files of a few KB, a
 * round trip through libuv's thread pool costs more than the call itself.
 */
export class TempFilePool {
  private readonly prefix: string;
  private readonly size: number;
  private readonly mode: number;
  private seq = 0;
  private readonly pool: Array<{ name: string; fd: number }> = [];
  private refilling: Promise<void> | null = null;
  private stopped = false;

  constructor(dir: string, options: TempFilePoolOptions = {}) {
    this.size = options.size ?? 16;
    this.mode = options.mode ?? 0o444;
    this.prefix = path.join(
      dir,
      `${options.prefix ?? 'obj'}-${process.pid}-${randomBytes(4).toString('hex')}-`,
    );
  }

  /**
   * A new file holding `data` (with the pool's mode, unless `mode` says otherwise), created
   * exclusively: a pooled one when there is one still in its folder (a temp cleaner may have
   * removed it), else one made now.
   */
  fill(data: Buffer, mode = this.mode): string {
    for (let pooled = this.pool.pop(); pooled; pooled = this.pool.pop()) {
      try {
        try {
          if (fs.fstatSync(pooled.fd).nlink === 0) continue;
          fs.writeSync(pooled.fd, data, 0, data.length, 0);
          if (mode !== this.mode) fs.fchmodSync(pooled.fd, mode);
        } finally {
          fs.closeSync(pooled.fd);
        }
        return pooled.name;
      } catch {
        fs.rmSync(pooled.name, { force: true });
      }
    }
    const tmp = `${this.prefix}${this.seq++}`;
    fs.writeFileSync(tmp, data, { mode, flag: 'wx' });
    return tmp;
  }

  /**
   * Creates empty temp files up to the pool's size, off the event loop, once half of them are
   * used; call when idle. All at once: an append's main thread is busy between steps, and a pool
   * refilled one file per event loop turn fell behind the three files each append takes.
   */
  refill(): void {
    // Only once half is used: then many files in one job (see createExclusive), not one a use.
    if (this.refilling || this.stopped || this.pool.length > this.size / 2) return;
    this.refilling = (async () => {
      try {
        while (!this.stopped && this.pool.length < this.size) {
          const names = Array.from(
            { length: this.size - this.pool.length },
            () => `${this.prefix}${this.seq++}`,
          );
          // In the pool's mode from the start: the descriptor opened here writes a read-only file
          // all the same.
          const fds = await createExclusive(names, this.mode);
          let failed = false;
          for (const [i, fd] of fds.entries()) {
            if (fd < 0) failed = true;
            else if (!this.stopped) this.pool.push({ name: names[i]!, fd });
            else {
              await closeAsync(fd);
              fs.rmSync(names[i]!, { force: true });
            }
          }
          if (failed) return;
        }
      } catch {
        // The pool only saves time: `fill` creates a file itself when the pool is empty.
      } finally {
        this.refilling = null;
      }
    })();
  }

  /** Stops refilling and removes the pooled files (a state writer empties its temp dir anyway). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.refilling;
    for (const { name, fd } of this.pool.splice(0)) {
      fs.closeSync(fd);
      fs.rmSync(name, { force: true });
    }
  }
}
