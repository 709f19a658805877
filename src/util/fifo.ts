/**
 * A first-in first-out queue whose `shift` is O(1) at any length. `Array#shift` moves every
 * element once the array is too large for V8 to trim it in place (over ~16k elements: a status at
 * 10,000 services asks a `git cat-file` reader for 20,000 objects at once), which made answering
 * them quadratic.
 */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    // Drop the taken slots once they are half the array: memory stays proportional to what waits.
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Every item still waiting, in order; the queue is left empty. */
  drain(): T[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}
