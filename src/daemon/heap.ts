/**
 * The daemon's V8 heap grows at most 40% past what its last full collection kept. By default V8
 * lets a heap that allocates fast grow up to 4× its live size before collecting it whole: at
 * 10,000 services the daemon keeps about 90 MB alive, and start-up (20,000 views and records
 * parsed) and a client polling `/api/services` while deployments run took its heap past 200 MB
 * and its resident memory to 280–445 MB (`npm run bench -- daemon`). With the bound, full
 * collections come sooner and each costs the same: the live set is what they trace.
 *
 * Set from inside the process (V8 reads the flag at each collection), so `orbit daemon` needs no
 * flags of its own; a `--heap-growing-percent` given to Node (NODE_OPTIONS, the command line) wins.
 */
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 40;

const FLAG = '--heap-growing-percent';

export function boundHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  if ([...execArgv, ...nodeOptions.split(/\s+/)].some((a) => a.replace(/_/g, '-').startsWith(FLAG)))
    return false;
  v8.setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
  return true;
}
