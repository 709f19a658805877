/**
 * Parses a raw tree object (what `cat-file --batch` returns): `<mode> <name>\0<binary id>` per
 * entry, in git's order. The id's length is the repository's hash's (20 bytes, 32 for SHA-256).
 */
import { OrbitError } from '../util/errors.js';

export interface TreeEntry {
  /** As git writes it: `100644`, `100755`, `120000` (link), `40000` (tree), `160000` (gitlink). */
  mode: string;
  name: string;
  oid: string;
  kind: 'blob' | 'tree' | 'link' | 'gitlink';
}

export function entryKind(mode: string): TreeEntry['kind'] {
  if (mode === '40000' || mode === '040000') return 'tree';
  if (mode === '120000') return 'link';
  if (mode === '160000') return 'gitlink';
  return 'blob';
}

export function parseTree(oid: string, raw: Buffer): TreeEntry[] {
  const idBytes = oid.length / 2;
  const entries: TreeEntry[] = [];
  let i = 0;
  while (i < raw.length) {
    const sp = raw.indexOf(0x20, i);
    const nul = sp < 0 ? -1 : raw.indexOf(0, sp + 1);
    if (sp < 0 || nul < 0 || nul + 1 + idBytes > raw.length) {
      throw new OrbitError('E_GIT_BAD_OBJECT', `tree ${oid} is malformed at byte ${i}`, { oid });
    }
    const mode = raw.toString('latin1', i, sp);
    entries.push({
      mode,
      name: raw.toString('utf8', sp + 1, nul),
      oid: raw.toString('hex', nul + 1, nul + 1 + idBytes),
      kind: entryKind(mode),
    });
    i = nul + 1 + idBytes;
  }
  return entries;
}
