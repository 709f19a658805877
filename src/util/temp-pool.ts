import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const openAsync = promisify(fs.open);
const closeAsync = promisify(fs.close);

/** Empty temp files made ahead of need, between appends (see `refill`). */
const POOL_SIZE = 16;
/** As git's object files are. */
const POOL_MODE = 0o444;

/**
 * Temp files for the state writer's objects, in `tmpDir` (on the repository's file system, emptied
 * by the writer when it opens). Creating a file is the one slow call (allocating an inode: up to a
 * millisecond on a busy ext4, where opening an existing one takes microseconds), so empty files
 * are created ahead of need on the thread pool, between appends, and an append only fills them.
 * Each pooled file stays open from its creation, so an append writes through the descriptor
 * rather than opening the file again. The calls on the append path are synchronous: for a few
 * files of a few KB, a round trip through libuv's thread pool costs more than the call itself.
 */
export class TempFilePool {
  private readonly prefix: string;
  private seq = 0;
  private readonly pool: Array<{ name: string; fd: number }> = [];
  private refilling: Promise<void> | null = null;
  private stopped = false;

  constructor(tmpDir: string) {
    this.prefix = path.join(tmpDir, `obj-${process.pid}-${randomBytes(4).toString('hex')}-`);
  }

  /**
   * A temp file holding `data` (by default read-only, as git's object files are): a pooled one
   * when there is one.
   */
  fill(data: Buffer, mode = POOL_MODE): string {
    const pooled = this.pool.pop();
    if (pooled) {
      try {
        try {
          fs.writeSync(pooled.fd, data, 0, data.length, 0);
          if (mode !== POOL_MODE) fs.fchmodSync(pooled.fd, mode);
        } finally {
          fs.closeSync(pooled.fd);
        }
        return pooled.name;
      } catch {
        fs.rmSync(pooled.name, { force: true });
      }
    }
    const tmp = `${this.prefix}${this.seq++}`;
    fs.writeFileSync(tmp, data, { mode });
    return tmp;
  }

  /**
   * Creates empty temp files up to the pool's size, off the event loop; call when idle. All at
   * once: an append's main thread is busy between steps, and a pool refilled one file per event
   * loop turn fell behind the three files each append takes.
   */
  refill(): void {
    if (this.refilling || this.stopped || this.pool.length >= POOL_SIZE) return;
    this.refilling = (async () => {
      try {
        while (!this.stopped && this.pool.length < POOL_SIZE) {
          const names = Array.from(
            { length: POOL_SIZE - this.pool.length },
            () => `${this.prefix}${this.seq++}`,
          );
          // Read-only from the start: the descriptor opened here may write it all the same.
          const opened = await Promise.allSettled(names.map((name) => openAsync(name, 'wx', POOL_MODE)));
          let failed = false;
          for (const [i, r] of opened.entries()) {
            if (r.status === 'rejected') failed = true;
            else if (!this.stopped) this.pool.push({ name: names[i]!, fd: r.value });
            else {
              await closeAsync(r.value);
              fs.rmSync(names[i]!, { force: true });
            }
          }
          // The pool only saves time: an append creates its own temp files when it is empty.
          if (failed) return;
        }
      } catch {
        // as above
      } finally {
        this.refilling = null;
      }
    })();
  }

  /** Stops refilling and removes the pooled temp files (the next writer empties the dir anyway). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.refilling;
    for (const { name, fd } of this.pool.splice(0)) {
      fs.closeSync(fd);
      fs.rmSync(name, { force: true });
    }
  }
}
