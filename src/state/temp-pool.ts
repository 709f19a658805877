import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/** Empty temp files made ahead of need, between appends (see `refill`). */
const POOL_SIZE = 16;

/**
 * Temp files for the state writer's objects, in `tmpDir` (on the repository's file system, emptied
 * by the writer when it opens). Creating a file is the one slow call (allocating an inode: up to a
 * millisecond on a busy ext4, where opening an existing one takes microseconds), so empty files
 * are created ahead of need on the thread pool, between appends, and an append only fills them.
 * The calls on the append path are synchronous: for a few files of a few KB, a round trip through
 * libuv's thread pool costs more than the call itself.
 */
export class TempFilePool {
  private readonly prefix: string;
  private seq = 0;
  private readonly pool: string[] = [];
  private refilling: Promise<void> | null = null;
  private stopped = false;

  constructor(tmpDir: string) {
    this.prefix = path.join(tmpDir, `obj-${process.pid}-${randomBytes(4).toString('hex')}-`);
  }

  /** A temp file holding `data` (read-only, as git's object files are): a pooled one when there is one. */
  fill(data: Buffer): string {
    const pooled = this.pool.pop();
    if (pooled) {
      try {
        const fd = fs.openSync(pooled, 'r+');
        try {
          fs.writeSync(fd, data, 0, data.length, 0);
          fs.fchmodSync(fd, 0o444);
        } finally {
          fs.closeSync(fd);
        }
        return pooled;
      } catch {
        fs.rmSync(pooled, { force: true });
      }
    }
    const tmp = `${this.prefix}${this.seq++}`;
    fs.writeFileSync(tmp, data, { mode: 0o444 });
    return tmp;
  }

  /** Creates empty temp files up to the pool's size, off the event loop; call when idle. */
  refill(): void {
    if (this.refilling || this.stopped || this.pool.length >= POOL_SIZE) return;
    this.refilling = (async () => {
      try {
        while (!this.stopped && this.pool.length < POOL_SIZE) {
          const name = `${this.prefix}${this.seq++}`;
          await (await fsp.open(name, 'wx', 0o644)).close();
          if (this.stopped) await fsp.rm(name, { force: true });
          else this.pool.push(name);
        }
      } catch {
        // The pool only saves time: an append creates its own temp files when it is empty.
      } finally {
        this.refilling = null;
      }
    })();
  }

  /** Stops refilling and removes the pooled temp files (the next writer empties the dir anyway). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.refilling;
    for (const name of this.pool.splice(0)) fs.rmSync(name, { force: true });
  }
}
