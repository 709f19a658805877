import { describe, expect, it } from 'vitest';
import { approximateBytes, BoundedCache } from '../../src/state/bounded-cache.js';

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

  it('fills a generation at its byte budget before its key count: big values are kept fewer', () => {
    const c = new BoundedCache<string>(1_000, 10_000);
    const big = 'x'.repeat(984); // 1,000 bytes by approximateBytes
    expect(approximateBytes(big)).toBe(1_000);
    for (let i = 0; i < 100; i++) c.set(`k${i}`, big);
    let kept = 0;
    for (let i = 0; i < 100; i++) if (c.has(`k${i}`)) kept++;
    // Two generations of at most 10 values each: the newest 9 or 10 and the 10 before them.
    expect(kept).toBeGreaterThanOrEqual(10);
    expect(kept).toBeLessThanOrEqual(20);
    for (let i = 90; i < 100; i++) expect(c.get(`k${i}`)).toBe(big);
    expect(c.get('k0')).toBeUndefined();
  });

  it('counts a key set again once, at its new size', () => {
    const c = new BoundedCache<string>(1_000, 10_000);
    const big = 'x'.repeat(984);
    c.set('first', 'kept');
    for (let i = 0; i < 50; i++) c.set('same', big);
    expect(c.get('first')).toBe('kept');
    expect(c.get('same')).toBe(big);
  });

  it('estimates JSON-like values from their strings, elements and properties', () => {
    expect(approximateBytes('abc')).toBe(19);
    expect(approximateBytes(null)).toBe(8);
    expect(approximateBytes(42)).toBe(8);
    expect(approximateBytes(['abc', 1])).toBe(32 + 8 + 19 + 8 + 8);
    expect(approximateBytes({ a: 'abc', b: [true] })).toBe(32 + 16 + 19 + 16 + (32 + 8 + 8));
    expect(approximateBytes(Buffer.alloc(100))).toBe(164);
    // A deep value costs a flat amount past the depth counted, not a walk of all of it.
    let deep: unknown = 'leaf';
    for (let i = 0; i < 1_000; i++) deep = [deep];
    expect(approximateBytes(deep)).toBe(8 * (32 + 8) + 64);
  });

  it('weighs a value once: not when given its weight, nor again when it is replaced or moves generation', () => {
    let weighed = 0;
    const c = new BoundedCache<string>(3, 1_000_000, (v) => (weighed++, v.length));
    c.set('a', 'x'.repeat(10));
    c.set('a', 'y'.repeat(10));
    c.set('given', 'z', 500);
    expect(weighed).toBe(2);
    c.set('b', 'b'); // the third key: this generation is full, the next one starts
    expect(weighed).toBe(3);
    expect(c.get('a')).toBe('y'.repeat(10)); // moved back to the newer generation, its weight with it
    expect(c.get('given')).toBe('z');
    expect(weighed).toBe(3);
  });

  it('fills a generation at the weights it was given', () => {
    const c = new BoundedCache<string>(1_000, 1_000, () => {
      throw new Error('weighed');
    });
    for (let i = 0; i < 30; i++) c.set(`k${i}`, 'v', 100);
    expect(c.get('k29')).toBe('v');
    expect(c.has('k0')).toBe(false); // ten a generation, two generations kept
  });
});
