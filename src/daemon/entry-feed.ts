import type { LogEntry } from '../state/types.js';

/** Fans the entries the daemon writes out to live listeners (the dashboard's event stream). */
export class EntryFeed {
  private readonly listeners = new Set<(e: LogEntry) => void>();

  /** Returns the function that stops listening. */
  subscribe(listener: (e: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(entry: LogEntry): void {
    for (const listener of this.listeners) listener(entry);
  }

  get size(): number {
    return this.listeners.size;
  }
}
