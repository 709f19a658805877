import type { Readable } from 'node:stream';

/**
 * Resolves once both output streams closed, or after `drainMs`, destroying them then (a background
 * grandchild may hold the pipes open long after the process itself exited).
 */
export function drained(streams: readonly Readable[], drainMs: number): Promise<void> {
  return new Promise((resolve) => {
    let open = 0;
    const timer = setTimeout(() => {
      for (const s of streams) s.destroy();
      resolve();
    }, drainMs);
    const closed = () => {
      if (--open > 0) return;
      clearTimeout(timer);
      resolve();
    };
    for (const stream of streams) {
      if (stream.readableEnded || stream.destroyed) continue;
      open++;
      stream.once('close', closed);
    }
    if (open === 0) {
      clearTimeout(timer);
      resolve();
    }
  });
}
