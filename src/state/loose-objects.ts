import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { deflate, deflateSync } from 'node:zlib';
import { objectHeader, type GitObjectToWrite } from './git-objects.js';

const deflateAsync = promisify(deflate);

/** Empty temp files made ahead of need, between appends (see `refill`). */
const POOL_SIZE = 128;

/** Git's own default for loose objects (`core.looseCompression`): fastest. */
const LEVEL = 1;
/** Above this, deflate on the thread pool rather than on the event loop (a long step log). */
const ASYNC_DEFLATE_BYTES = 256 * 1024;

/** A set that forgets its oldest members: it only saves work, so forgetting is always safe. */
class BoundedSet {
  private readonly set = new Set<string>();
  constructor(private readonly max: number) {}
  has(k: string): boolean {
    return this.set.has(k);
  }
  add(k: string): void {
    if (this.set.has(k)) return;
    if (this.set.size >= this.max) {
      const first = this.set.values().next();
      if (!first.done) this.set.delete(first.value);
    }
    this.set.add(k);
  }
}

/**
 * Writes git loose objects directly, as git does: `objects/xx/yyyy…` holding
 * `zlib(<type> <length>\0<content>)`. Each object goes to a temp file in `tmpDir` (same file
 * system, emptied by the writer when it opens) and is renamed into place, so a killed process
 * never leaves a torn file at an object's path — which git, and this writer, would trust forever.
 * An object already in place is replaced by an identical one, which is harmless; objects this
 * writer knows exist (it wrote or read them) are skipped.
 *
 * The file system calls are synchronous: for a dozen files of a few hundred bytes each, a round
 * trip through libuv's thread pool costs more than the call itself (a busy 2-core machine makes
 * that worse), and the event loop is held for well under a millisecond. The one slow call is
 * creating a file (allocating an inode: up to a millisecond on a busy ext4, where opening an
 * existing file takes microseconds), so empty temp files are created ahead of need on the thread
 * pool, between appends, and an append only fills and renames them.
 */
export class LooseObjectWriter {
  private readonly objectsDir: string;
  private readonly fanout = new Set<string>();
  private readonly known = new BoundedSet(100_000);
  private readonly tmpPrefix: string;
  private seq = 0;
  private readonly pool: string[] = [];
  private refilling: Promise<void> | null = null;
  private stopped = false;

  constructor(
    gitdir: string,
    private readonly tmpDir: string,
  ) {
    this.objectsDir = path.join(gitdir, 'objects');
    this.tmpPrefix = path.join(tmpDir, `obj-${process.pid}-${randomBytes(4).toString('hex')}-`);
  }

  /** Marks an object as present in the repository (e.g. read from it): it will not be written again. */
  markKnown(oid: string): void {
    this.known.add(oid);
  }

  isKnown(oid: string): boolean {
    return this.known.has(oid);
  }

  /**
   * Writes every object not known to exist. Resolves once all of them are in place under their
   * final names; only then may a ref point at them.
   */
  async writeAll(objects: GitObjectToWrite[]): Promise<number> {
    const seen = new Set<string>();
    const todo = objects.filter((o) => !this.known.has(o.oid) && !seen.has(o.oid) && seen.add(o.oid));
    const big = todo.filter((o) => o.content.length > ASYNC_DEFLATE_BYTES);
    const deflated = new Map<string, Buffer>();
    await Promise.all(
      big.map(async (o) =>
        deflated.set(
          o.oid,
          await deflateAsync(Buffer.concat([objectHeader(o.type, o.content.length), o.content]), {
            level: LEVEL,
          }),
        ),
      ),
    );
    for (const o of todo) {
      const data =
        deflated.get(o.oid) ??
        deflateSync(Buffer.concat([objectHeader(o.type, o.content.length), o.content]), { level: LEVEL });
      this.place(o.oid, data);
    }
    for (const o of todo) this.known.add(o.oid);
    this.refill();
    return todo.length;
  }

  /** Creates empty temp files up to the pool's size, off the event loop; call when idle. */
  refill(): void {
    if (this.refilling || this.stopped || this.pool.length >= POOL_SIZE) return;
    this.refilling = (async () => {
      try {
        while (!this.stopped && this.pool.length < POOL_SIZE) {
          const name = `${this.tmpPrefix}${this.seq++}`;
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

  /** Fills a temp file: a pooled empty one when there is one, else a new one. */
  private writeTemp(data: Buffer): string {
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
    const tmp = `${this.tmpPrefix}${this.seq++}`;
    fs.writeFileSync(tmp, data, { mode: 0o444 });
    return tmp;
  }

  private place(oid: string, data: Buffer): void {
    const dir = path.join(this.objectsDir, oid.slice(0, 2));
    const file = path.join(dir, oid.slice(2));
    let tmp: string | null = null;
    try {
      tmp = this.writeTemp(data);
      if (!this.fanout.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        this.fanout.add(dir);
      }
      fs.renameSync(tmp, file);
    } catch (err) {
      try {
        if (tmp) fs.rmSync(tmp, { force: true });
      } catch {
        // best effort: the temp dir is emptied at the next open anyway
      }
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && this.fanout.has(dir)) {
        // The fan-out directory was removed under us (e.g. `git prune`): forget it and retry once.
        this.fanout.delete(dir);
        return this.place(oid, data);
      }
      throw err;
    }
  }
}
