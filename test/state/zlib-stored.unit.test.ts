import { randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32, zlibStored } from '../../src/state/zlib-stored.js';

describe('zlibStored', () => {
  it.each([0, 1, 300, 65_535, 65_536, 200_000])('inflates back to the same %i bytes with zlib', (n) => {
    const data = randomBytes(n);
    expect(inflateSync(zlibStored(data)).equals(data)).toBe(true);
  });

  it('carries the Adler-32 zlib checks (a flipped byte fails to inflate)', () => {
    // RFC 1950's example value for "Wikipedia".
    expect(adler32(Buffer.from('Wikipedia'))).toBe(0x11e60398);
    const framed = zlibStored(Buffer.from('tree 12\0some object'));
    framed[10] = framed[10]! ^ 1;
    expect(() => inflateSync(framed)).toThrow(/incorrect data check/);
  });

  it('sums past zlib NMAX without overflowing (long runs of 0xff)', () => {
    const data = Buffer.alloc(100_000, 0xff);
    expect(inflateSync(zlibStored(data)).equals(data)).toBe(true);
  });
});
