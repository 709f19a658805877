import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../src/state/bounded-cache.js';

describe('BoundedCache', () => {
  it('remembers the last max keys, never more than twice max, and known absences (null)', () => {
    const c = new BoundedCache<number | null>(100);
    for (let i = 0; i < 1_000; i++) c.set(`k${i}`, i % 7 === 0 ? null : i);
    for (let i = 900; i < 1_000; i++) expect(c.get(`k${i}`)).toBe(i % 7 === 0 ? null : i);
    for (let i = 900; i < 1_000; i++) expect(c.has(`k${i}`)).toBe(true);
    let kept = 0;
    for (let i = 0; i < 1_000; i++) if (c.has(`k${i}`)) kept++;
    expect(kept).toBeGreaterThanOrEqual(100);
    expect(kept).toBeLessThanOrEqual(200);
    expect(c.get('k0')).toBeUndefined();
  });

  it('keeps a key that is read while others are added', () => {
    const c = new BoundedCache<string>(10);
    c.set('hot', 'v');
    for (let i = 0; i < 100; i++) {
      c.set(`k${i}`, 'x');
      expect(c.get('hot')).toBe('v');
    }
  });
});
