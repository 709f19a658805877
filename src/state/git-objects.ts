import { createHash } from 'node:crypto';

/**
 * Git's object encodings, computed in-process: an object's id is the SHA-1 of
 * `<type> <length>\0<content>`, whatever store it lands in.
 */
export type ObjectType = 'blob' | 'tree' | 'commit';

export interface GitObjectToWrite {
  type: ObjectType;
  oid: string;
  content: Buffer;
}

export interface TreeItem {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export function objectHeader(type: ObjectType, length: number): Buffer {
  return Buffer.from(`${type} ${length}\0`, 'latin1');
}

export function hashObject(type: ObjectType, content: Buffer): string {
  return createHash('sha1').update(objectHeader(type, content.length)).update(content).digest('hex');
}

export function makeObject(type: ObjectType, content: Buffer): GitObjectToWrite {
  return { type, oid: hashObject(type, content), content };
}

export function parseTree(buf: Buffer): TreeItem[] {
  const out: TreeItem[] = [];
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(32, i);
    const nul = buf.indexOf(0, sp);
    const mode = buf.subarray(i, sp).toString();
    const path = buf.subarray(sp + 1, nul).toString();
    const oid = buf.subarray(nul + 1, nul + 21).toString('hex');
    i = nul + 21;
    const type = mode === '40000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    out.push({ mode: mode === '40000' ? '040000' : mode, path, oid, type });
  }
  return out;
}

interface EncodedItem {
  /** The name as git sorts it: a directory as if it ended with '/'. */
  key: Buffer;
  /** `<mode> <name>\0<20-byte oid>`. */
  bytes: Buffer;
}

/**
 * Each item's serialised form, computed once: items are immutable and shared between a cached tree
 * and the trees built from it, so an append encodes only the items it changed.
 */
const encoded = new WeakMap<TreeItem, EncodedItem>();

function encodeItem(it: TreeItem): EncodedItem {
  let e = encoded.get(it);
  if (!e) {
    e = {
      key: Buffer.from(it.type === 'tree' ? it.path + '/' : it.path, 'utf8'),
      bytes: Buffer.concat([
        Buffer.from(`${it.mode.replace(/^0/, '')} ${it.path}\0`, 'utf8'),
        Buffer.from(it.oid, 'hex'),
      ]),
    };
    encoded.set(it, e);
  }
  return e;
}

/** Git's tree order: names compared bytewise, a directory as if its name ended with '/'. */
export function serialiseTree(items: TreeItem[]): Buffer {
  const keyed = items.map(encodeItem);
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return Buffer.concat(keyed.map((e) => e.bytes));
}

export interface Ident {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

/** `<` `>` and newlines would make an invalid ident line (`git fsck --strict` refuses them). */
const identPart = (s: string): string => s.replace(/[<>\n\r\0]/g, '').trim();

function identLine(role: 'author' | 'committer', who: Ident): string {
  return `${role} ${identPart(who.name)} <${identPart(who.email)}> ${Math.floor(who.timestamp)} +0000\n`;
}

/**
 * A commit object, byte for byte as isomorphic-git's `writeCommit` renders it (times in UTC):
 * the message without carriage returns or leading blank lines, ending with exactly one newline.
 */
export function serialiseCommit(c: {
  tree: string;
  parents: string[];
  author: Ident;
  committer: Ident;
  message: string;
}): Buffer {
  const message = c.message.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '') + '\n';
  let text = `tree ${c.tree}\n`;
  for (const p of c.parents) text += `parent ${p}\n`;
  text += identLine('author', c.author) + identLine('committer', c.committer) + '\n' + message;
  return Buffer.from(text, 'utf8');
}
