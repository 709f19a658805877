import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { serviceShard } from '../../src/state/paths.js';

describe('serviceShard', () => {
  it('is the first two hex digits of sha1(name), asked once or many times', () => {
    expect(serviceShard('waffle')).toBe('3c');
    expect(serviceShard('waffle')).toBe('3c');
    // Past the names kept, answers stay the same.
    for (let i = 0; i < 25_000; i++) {
      const name = `svc-${i}`;
      if (i % 997 === 0)
        expect(serviceShard(name)).toBe(createHash('sha1').update(name).digest('hex').slice(0, 2));
      else serviceShard(name);
    }
    expect(serviceShard('waffle')).toBe('3c');
  });
});
