import { describe, expect, it } from 'vitest';
import { RecentDeliveries } from '../../src/daemon/recent-deliveries.js';

describe('recent webhook deliveries', () => {
  it('recognises an id seen before and forgets the oldest beyond its bound', () => {
    const seen = new RecentDeliveries(3);
    expect(['a', 'b', 'c'].map((id) => seen.add(id))).toEqual([true, true, true]);
    expect(seen.add('a')).toBe(false); // a replay; `a` is now the most recent
    expect(seen.add('d')).toBe(true); // evicts `b`, the least recent
    expect(seen.size).toBe(3);
    expect(seen.add('b')).toBe(true);
    expect(seen.add('a')).toBe(false);
  });
});
