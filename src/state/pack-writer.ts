import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { deflate, deflateSync, type ZlibOptions } from 'node:zlib';
import type { GitObjectToWrite } from './git-objects.js';
import { encodePack, type PackObject } from './pack-encoding.js';
import { BoundedCache } from './bounded-cache.js';
import { TempFilePool } from '../util/temp-pool.js';
import { zlibStored } from './zlib-stored.js';

const deflateAsync = promisify(deflate);

/** Fast, as git's loose objects are (`core.looseCompression`): an append's objects are small. */
const LEVEL = 1;
/** Above this, deflate on the thread pool rather than on the event loop (a long step log). */
const ASYNC_DEFLATE_BYTES = 256 * 1024;
/**
 * Stored rather than compressed (see zlib-stored.ts): trees (object ids, which do not compress)
 * up to a few KB, and any object this small. git's repacks reuse an object's bytes as they are,
 * so what compresses well (views, records, entries) is compressed here.
 */
const STORED_TREE_BYTES = 4 * 1024;
const STORED_BYTES = 512;

/** This writer's own packs rolled into one once there are this many (see `rollUp`). */
const ROLL_UP_PACKS = 16;
/** ...or once they hold this much; a bigger pack (a long step log) is left to git's repack. */
const ROLL_UP_BYTES = 4 * 1024 * 1024;

/**
 * zlib's defaults reserve 256 KiB per stream, allocated and zeroed for every object: most of an
 * append's deflate time went there, not to compressing a few KB. The window is sized to the
 * object instead (any window inflates: git reads the size from the stream's header).
 */
function deflateOptions(size: number): ZlibOptions {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(size + 1))));
  return { level: LEVEL, windowBits, memLevel: Math.max(1, windowBits - 7) };
}

function deflated({ type, content }: GitObjectToWrite): Buffer | Promise<Buffer> {
  if (content.length <= (type === 'tree' ? STORED_TREE_BYTES : STORED_BYTES)) return zlibStored(content);
  if (content.length > ASYNC_DEFLATE_BYTES) return deflateAsync(content, deflateOptions(content.length));
  return deflateSync(content, deflateOptions(content.length));
}

/**
 * Writes an append's new objects as one small pack (`objects/pack/pack-<sha>.pack` and its `.idx`)
 * rather than a loose file per object: two new files instead of a dozen, and file creation is
 * what costs on a busy ext4. Each file is filled in a pooled temp file (see `TempFilePool`) and
 * renamed into place, the `.pack` before the `.idx` as git does: git only looks at a pack through
 * its index, so a killed process leaves at worst a `.pack` git ignores, never a torn object.
 * A running `git cat-file --batch` finds the new pack (git rescans the pack directory when an
 * object is missing). Objects this writer knows exist (it wrote or read them) are skipped.
 * Every 16 appends, the writer rolls the packs it wrote into one itself (`rollUp`), from the
 * objects it still holds; maintenance (`maintenance.ts`) consolidates the rest with git.
 */
export class PackWriter {
  private readonly packDir: string;
  /** Only saves work: forgetting an object means at worst writing it again. */
  private readonly known = new BoundedCache<true>(50_000);
  private readonly temps: TempFilePool;
  private dirReady = false;
  /** This writer's packs since its last roll-up, with their objects as written. */
  private readonly recent: { name: string; objects: PackObject[] }[] = [];
  private recentBytes = 0;
  private packDelta = 0;

  constructor(gitdir: string, tmpDir: string) {
    this.packDir = path.join(gitdir, 'objects', 'pack');
    this.temps = new TempFilePool(tmpDir);
  }

  /** Marks an object as present in the repository: it will not be written again. */
  markKnown(oid: string): void {
    this.known.set(oid, true);
  }

  isKnown(oid: string): boolean {
    return this.known.has(oid);
  }

  /**
   * Writes every object not known to exist, as one pack. Resolves once the pack and its index are
   * in place under their final names; only then may a ref point at the objects. Returns how many
   * objects it wrote (0: no pack).
   */
  async writeAll(objects: GitObjectToWrite[]): Promise<number> {
    const seen = new Set<string>();
    const todo = objects.filter((o) => !this.known.has(o.oid) && !seen.has(o.oid) && seen.add(o.oid));
    if (todo.length === 0) return 0;
    const packed = await Promise.all(todo.map(deflated));
    const entries = todo.map((o, i) => ({
      type: o.type,
      oid: o.oid,
      size: o.content.length,
      deflated: packed[i]!,
    }));
    const { name, pack, idx } = encodePack(entries);
    this.place(`${name}.pack`, pack);
    this.place(`${name}.idx`, idx);
    this.packDelta++;
    if (pack.length <= ROLL_UP_BYTES) {
      this.recent.push({ name, objects: entries });
      this.recentBytes += pack.length;
    }
    for (const o of todo) this.known.set(o.oid, true);
    this.temps.refill();
    return todo.length;
  }

  /** Packs added (or, after a roll-up, removed: negative) since the last call. */
  takePackDelta(): number {
    const delta = this.packDelta;
    this.packDelta = 0;
    return delta;
  }

  /** Whether enough of this writer's own packs have piled up for `rollUp`. */
  rollUpDue(): boolean {
    return this.recent.length >= ROLL_UP_PACKS || this.recentBytes >= ROLL_UP_BYTES;
  }

  /**
   * Rolls the packs this writer wrote since the last roll-up into one, from the objects it kept
   * (no git process, nothing read back): about a millisecond for 16 appends, where the
   * `git repack` that maintenance would run for them cost ~40 ms and a core. The new pack and
   * its index are in place before any old one goes, each old index before its pack, so every
   * object is in some pack git sees at every moment; a kill leaves at worst duplicates, or a
   * `.pack` without an index (cleared at a later open). A pack a maintenance pass already rolled
   * up (its index gone) is left out. Call between appends, not while a pass runs.
   */
  rollUp(): void {
    const packs = this.recent.splice(0);
    this.recentBytes = 0;
    const live = packs.filter((p) => fs.existsSync(path.join(this.packDir, `${p.name}.idx`)));
    if (live.length < 2) return;
    const seen = new Set<string>();
    const objects = live.flatMap((p) => p.objects).filter((o) => !seen.has(o.oid) && seen.add(o.oid));
    const { name, pack, idx } = encodePack(objects);
    try {
      this.place(`${name}.pack`, pack);
      this.place(`${name}.idx`, idx);
    } catch {
      return; // the small packs stay as they are: nothing is lost, git's repack takes them later
    }
    for (const p of live) {
      for (const ext of ['idx', 'pack']) {
        try {
          fs.unlinkSync(path.join(this.packDir, `${p.name}.${ext}`));
        } catch {
          // gone already (a concurrent git repack): its objects are in the new pack all the same
        }
      }
    }
    this.packDelta += 1 - live.length;
  }

  /** A temp file (in the repository) holding `data`, as a ref file is (0644): for `casBranch`. */
  refFile(data: string): string | undefined {
    try {
      return this.temps.fill(Buffer.from(data), 0o644);
    } catch {
      return undefined; // casBranch creates its lock file itself
    }
  }

  /**
   * Removes the `.pack` files a killed writer left without their `.idx` (git ignores them, but
   * they take room). Only old ones: git's own repack renames a pack a moment before its index.
   */
  async clearOrphans(olderThanMs = 60_000): Promise<number> {
    let names: string[];
    try {
      names = await fsp.readdir(this.packDir);
    } catch {
      return 0;
    }
    const have = new Set(names);
    let removed = 0;
    for (const f of names) {
      if (!f.endsWith('.pack') || have.has(`${f.slice(0, -'.pack'.length)}.idx`)) continue;
      const file = path.join(this.packDir, f);
      try {
        if (Date.now() - (await fsp.stat(file)).mtimeMs < olderThanMs) continue;
        await fsp.rm(file, { force: true });
        removed++;
      } catch {
        // gone already, or not ours to remove: it only takes room
      }
    }
    return removed;
  }

  /** Stops refilling the temp-file pool and removes its files. */
  stop(): Promise<void> {
    return this.temps.stop();
  }

  private place(file: string, data: Buffer): void {
    let tmp: string | null = null;
    try {
      tmp = this.temps.fill(data);
      if (!this.dirReady) {
        fs.mkdirSync(this.packDir, { recursive: true });
        this.dirReady = true;
      }
      fs.renameSync(tmp, path.join(this.packDir, file));
    } catch (err) {
      try {
        if (tmp) fs.rmSync(tmp, { force: true });
      } catch {
        // best effort: the temp dir is emptied at the next open anyway
      }
      throw err;
    }
  }
}
