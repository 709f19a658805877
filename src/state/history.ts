import { stream } from '../git/stream.js';
import type { ObjectReader } from './object-reader.js';
import { decodeEntry } from './entry-codec.js';
import { ENTRY_FILE } from './paths.js';
import type { HistoryItem } from './types.js';

const escapeRe = (s: string): string => s.replace(/[.[\]\\*^$]/g, '\\$&');

/**
 * Newest first. `git log` walks the commits (isomorphic-git's walk is ~15x slower) and filters by
 * the `Orbit-Service` trailer; each entry is read from the commit's `entry.json` through the
 * cat-file reader, a batch at a time so the requests pipeline.
 */
export async function* walkHistory(
  gitdir: string,
  head: string | null,
  reader: ObjectReader,
  options: { service?: string; limit?: number } = {},
): AsyncGenerator<HistoryItem> {
  if (!head) return;
  const limit = options.limit === undefined ? Infinity : Math.max(0, Math.floor(options.limit));
  if (limit === 0) return;
  let yielded = 0;
  const args = ['log', '--format=%H'];
  if (options.service) args.push(`--grep=^Orbit-Service: ${escapeRe(options.service)}$`);
  // git stops walking after `limit` matches: a service's newest entries cost the same at any length.
  if (Number.isFinite(limit)) args.push(`--max-count=${limit}`);
  args.push(head, '--');
  const lines = stream(args, { gitDir: gitdir, errorCode: 'E_STATE_GIT' });
  const flush = async function* (batch: string[]): AsyncGenerator<HistoryItem> {
    const objs = await Promise.all(batch.map((sha) => reader.read(`${sha}:${ENTRY_FILE}`)));
    for (let i = 0; i < batch.length; i++) {
      const obj = objs[i];
      const sha = batch[i] ?? '';
      if (!obj) continue;
      const entry = decodeEntry(obj.content.toString('utf8'));
      if (options.service && entry.service_id !== options.service) continue;
      yield { sha, entry };
      if (++yielded >= limit) return;
    }
  };
  let batch: string[] = [];
  // Returning early ends the stream, which stops git.
  for await (const line of lines) {
    if (!line) continue;
    batch.push(line.trim());
    if (batch.length >= Math.min(256, limit - yielded)) {
      yield* flush(batch);
      batch = [];
      if (yielded >= limit) return;
    }
  }
  yield* flush(batch);
}
