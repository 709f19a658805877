/**
 * A map that remembers the most recently set (or read) keys: two generations, the older one
 * dropped whole when the newer fills, so every operation is O(1); a key read from the older one
 * moves to the newer one. Evicting one key at a time through `map.keys().next()` walks over every
 * deleted slot V8 has not compacted yet: 300,000 evictions from a 100,000-key set took 13 s.
 *
 * A generation is full at `max` keys or at `maxBytes` of values (an estimate of their size in
 * the V8 heap, `approximateBytes`), whichever comes first: so it keeps at least the `max` most
 * recent keys when they are small, at least the most recent `maxBytes` when they are not, and
 * never more than twice either. Counting keys alone let a daemon at 10,000 services keep 20,000
 * parsed trees (13 MB) and 20,000 parsed views (13 MB) beside its own in-memory projection.
 */
export class BoundedCache<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  /** Each key's weight, kept with its generation: a value is weighed once, not again when replaced or moved. */
  private currentWeights = new Map<string, number>();
  private previousWeights = new Map<string, number>();
  private currentBytes = 0;

  constructor(
    private readonly max: number,
    private readonly maxBytes: number = DEFAULT_GENERATION_BYTES,
    private readonly weigh: (v: V) => number = approximateBytes,
  ) {}

  get(k: string): V | undefined {
    const v = this.current.get(k);
    if (v !== undefined || this.current.has(k)) return v;
    if (!this.previous.has(k)) return undefined;
    const old = this.previous.get(k) as V;
    const bytes = this.previousWeights.get(k);
    this.previous.delete(k);
    this.previousWeights.delete(k);
    this.set(k, old, bytes);
    return old;
  }

  has(k: string): boolean {
    return this.current.has(k) || this.previous.has(k);
  }

  /**
   * `bytes`: the value's weight when the caller knows it (a parsed view: from its text), which
   * spares walking the value: a deployment record of many steps is thousands of objects.
   */
  set(k: string, v: V, bytes: number = this.weigh(v)): void {
    this.currentBytes += bytes - (this.currentWeights.get(k) ?? 0);
    this.current.set(k, v);
    this.currentWeights.set(k, bytes);
    if (this.current.size >= this.max || this.currentBytes >= this.maxBytes) {
      this.previous = this.current;
      this.previousWeights = this.currentWeights;
      this.current = new Map();
      this.currentWeights = new Map();
      this.currentBytes = 0;
    }
  }
}

/**
 * Values one generation keeps at most, by `approximateBytes`: 4 MB, so a cache holds at most
 * about 8 MB of them. A state log's caches serve its appends (the trees and records on the paths
 * they rewrite) and a reader's one pass over every service. The trees every path goes through
 * must fit in one generation: at 10,000 services the 256 shard trees are about 1.8 MB; with 2 MB
 * a generation the daemon's start parsed 92,000 trees instead of 20,000 and took 8.5 s, not 3.
 */
export const DEFAULT_GENERATION_BYTES = 4 * 1024 * 1024;

/**
 * About what a JSON-like value (strings, numbers, booleans, null, arrays, plain objects, and
 * buffers) takes in the V8 heap: headers, a pointer per element or property, the characters of
 * its strings. A deep value is counted to a fixed depth, each deeper part at a flat cost.
 */
export function approximateBytes(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return 16 + value.length;
    case 'object': {
      if (value === null) return 8;
      if (depth >= MAX_DEPTH) return 64;
      if (ArrayBuffer.isView(value)) return 64 + value.byteLength;
      let n = 32;
      if (Array.isArray(value)) {
        for (const x of value) n += 8 + approximateBytes(x, depth + 1);
        return n;
      }
      for (const k in value) n += 16 + approximateBytes((value as Record<string, unknown>)[k], depth + 1);
      return n;
    }
    default:
      return 8;
  }
}

const MAX_DEPTH = 8;
