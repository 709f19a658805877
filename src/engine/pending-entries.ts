/**
 * Entries a run has decided but not yet written: a step's result waits for the next step's
 * intent, so both go to the log in one append (one commit each, one move of the branch). The
 * run writes what waits before anything else happens: before an agent runs (with its intent),
 * before checks bake, before it stops or returns.
 */
import type { LogEntry } from '../state/types.js';
import { write, type ExecutorDeps } from './agent-call.js';

export class PendingEntries {
  private entries: LogEntry[] = [];
  private written: Array<() => void> = [];

  constructor(private readonly deps: ExecutorDeps) {}

  /** Written with the next `write`; `then` runs once it is in the log. */
  defer(entry: LogEntry, then?: () => void): void {
    this.entries.push(entry);
    if (then) this.written.push(then);
  }

  /**
   * Writes what waits, then `entries`, in one append. When that fails, what waited waits again:
   * a caller that gives up writes it alone (a result must not go with the intent it came with).
   */
  async write(...entries: LogEntry[]): Promise<void> {
    const waiting = this.entries.splice(0);
    const then = this.written.splice(0);
    try {
      await write(this.deps, ...waiting, ...entries);
    } catch (err) {
      this.entries.unshift(...waiting);
      this.written.unshift(...then);
      throw err;
    }
    for (const f of then) f();
  }
}
