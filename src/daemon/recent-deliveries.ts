/**
 * The ids of the last webhook deliveries (`X-GitHub-Delivery`), so a replayed or redelivered one
 * is recognised. Bounded: the oldest id is forgotten once `limit` are held (a Map keeps insertion
 * order, so it is a small LRU).
 */
export class RecentDeliveries {
  private readonly ids = new Map<string, true>();

  constructor(private readonly limit = 1000) {}

  /** Records `id`; false when it was seen already. */
  add(id: string): boolean {
    if (this.ids.has(id)) {
      this.ids.delete(id);
      this.ids.set(id, true);
      return false;
    }
    this.ids.set(id, true);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.keys().next().value!);
    return true;
  }

  get size(): number {
    return this.ids.size;
  }
}
