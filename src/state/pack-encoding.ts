import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ObjectType } from './git-objects.js';

/**
 * Git's pack format (version 2) and its index (`.idx` version 2), computed in-process for a handful
 * of whole objects: no deltas, which every git reads. See git's Documentation/gitformat-pack.txt.
 */
export interface PackObject {
  type: ObjectType;
  oid: string;
  /** The object's content, before the `<type> <length>\0` header (a pack does not store that). */
  size: number;
  /** zlib(content). */
  deflated: Buffer;
}

export interface EncodedPack {
  /** `pack-<checksum>`: the pack's trailing SHA-1, as git names the packs it writes. */
  name: string;
  pack: Buffer;
  idx: Buffer;
}

const TYPE_CODE: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3 };

/** The per-object header: type and size, 4 bits of size in the first byte, then 7 bits a byte. */
function entryHeader(type: ObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let rest = Math.floor(size / 16);
  let b = (TYPE_CODE[type] << 4) | (size & 0x0f);
  while (rest > 0) {
    bytes.push(b | 0x80);
    b = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(b);
  return Buffer.from(bytes);
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** Objects must be distinct. */
export function encodePack(objects: PackObject[]): EncodedPack {
  const parts: Buffer[] = [Buffer.from('PACK'), u32(2), u32(objects.length)];
  let offset = 12;
  const placed = objects.map((o) => {
    const header = entryHeader(o.type, o.size);
    parts.push(header, o.deflated);
    const at = { oid: Buffer.from(o.oid, 'hex'), offset, crc: crc32(o.deflated, crc32(header)) };
    offset += header.length + o.deflated.length;
    return at;
  });
  const body = Buffer.concat(parts);
  const checksum = createHash('sha1').update(body).digest();
  const pack = Buffer.concat([body, checksum]);

  placed.sort((a, b) => Buffer.compare(a.oid, b.oid));
  const fanout = Buffer.alloc(256 * 4);
  let i = 0;
  for (let byte = 0; byte < 256; byte++) {
    while (i < placed.length && placed[i]!.oid[0] === byte) i++;
    fanout.writeUInt32BE(i, byte * 4);
  }
  const offsets: Buffer[] = [];
  const large: Buffer[] = [];
  for (const p of placed) {
    if (p.offset < 0x80000000) offsets.push(u32(p.offset));
    else {
      // Past 2 GiB: the 4-byte slot points into a table of 8-byte offsets.
      offsets.push(u32(0x80000000 | large.length));
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(p.offset));
      large.push(b);
    }
  }
  const idxBody = Buffer.concat([
    Buffer.from([0xff, 0x74, 0x4f, 0x63]),
    u32(2),
    fanout,
    ...placed.map((p) => p.oid),
    ...placed.map((p) => u32(p.crc)),
    ...offsets,
    ...large,
    checksum,
  ]);
  const idx = Buffer.concat([idxBody, createHash('sha1').update(idxBody).digest()]);
  return { name: `pack-${checksum.toString('hex')}`, pack, idx };
}
