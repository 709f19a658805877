/**
 * A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4): the bytes as they are,
 * framed. Every zlib inflates it, git included. For the small objects of an append (trees, the
 * commit, the entry, a view: a few hundred bytes, trees mostly object ids that do not compress),
 * framing in JavaScript costs a tenth of a native zlib stream, whose set-up (its window and hash
 * tables) dominates at that size.
 */
const MAX_BLOCK = 0xffff;
/** Adler-32's modulus, and the most bytes summed before the sums could pass 2^32 (zlib's NMAX). */
const BASE = 65521;
const NMAX = 5552;

export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length;) {
    const end = Math.min(data.length, i + NMAX);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= BASE;
    b %= BASE;
  }
  return ((b << 16) | a) >>> 0;
}

export function zlibStored(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / MAX_BLOCK));
  const out = Buffer.allocUnsafe(2 + data.length + 5 * blocks + 4);
  // CMF: deflate, 32 KiB window; FLG: no dictionary, "fastest" level, check bits (0x7801 % 31 == 0).
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * MAX_BLOCK;
    const len = Math.min(MAX_BLOCK, data.length - start);
    out[o] = b === blocks - 1 ? 1 : 0; // BFINAL on the last block, BTYPE 00 (stored)
    out.writeUInt16LE(len, o + 1);
    out.writeUInt16LE(~len & 0xffff, o + 3);
    o += 5;
    o += data.copy(out, o, start, start + len);
  }
  out.writeUInt32BE(adler32(data), o);
  return out;
}
