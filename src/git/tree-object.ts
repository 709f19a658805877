/** Tree objects: their entries, and the paths two trees differ in (read from the objects). */
import type { BatchReader } from './batch-reader.js';
import { OrbitError } from '../util/errors.js';

export type EntryKind = 'file' | 'executable' | 'symlink' | 'gitlink' | 'tree';

export interface TreeEntry {
  mode: string;
  kind: EntryKind;
  name: string;
  oid: string;
}

const KINDS: Record<string, EntryKind> = {
  '100644': 'file',
  '100664': 'file',
  '100755': 'executable',
  '120000': 'symlink',
  '160000': 'gitlink',
  '40000': 'tree',
};

/** `hashBytes`: 20 for sha1 repositories, 32 for sha256. */
export function parseTree(raw: Buffer, hashBytes = 20): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let i = 0;
  while (i < raw.length) {
    const sp = raw.indexOf(32, i);
    const nul = raw.indexOf(0, sp + 1);
    if (sp < 0 || nul < 0 || nul + 1 + hashBytes > raw.length) {
      throw new OrbitError('E_GIT_BAD_OBJECT', 'malformed tree object');
    }
    const mode = raw.subarray(i, sp).toString('latin1');
    const name = raw.subarray(sp + 1, nul).toString('utf8');
    const oid = raw.subarray(nul + 1, nul + 1 + hashBytes).toString('hex');
    entries.push({ mode, kind: KINDS[mode] ?? 'file', name, oid });
    i = nul + 1 + hashBytes;
  }
  return entries;
}

export async function readTree(reader: BatchReader, oid: string): Promise<TreeEntry[]> {
  const obj = await reader.read(oid);
  if (!obj || obj.type !== 'tree') {
    throw new OrbitError('E_GIT_MISSING_OBJECT', `tree ${oid} is missing from the repository`, { oid });
  }
  return parseTree(obj.content, oid.length / 2);
}

/**
 * The paths (blobs, symlinks, gitlinks) that differ between two trees, either may be null (empty).
 * Subtrees with equal ids are not read, so a commit costs the trees along the paths it changed.
 */
export async function changedPaths(
  reader: BatchReader,
  a: string | null,
  b: string | null,
  prefix = '',
): Promise<string[]> {
  if (a === b) return [];
  const [ea, eb] = await Promise.all([a ? readTree(reader, a) : [], b ? readTree(reader, b) : []]);
  const left = new Map(ea.map((e) => [e.name, e]));
  const right = new Map(eb.map((e) => [e.name, e]));
  const names = [...new Set([...left.keys(), ...right.keys()])].sort();
  const nested = await Promise.all(
    names.map(async (name): Promise<string[]> => {
      const x = left.get(name);
      const y = right.get(name);
      if (x && y && x.oid === y.oid && x.mode === y.mode) return [];
      const path = prefix + name;
      const xTree = x?.kind === 'tree' ? x.oid : null;
      const yTree = y?.kind === 'tree' ? y.oid : null;
      const below = xTree || yTree ? await changedPaths(reader, xTree, yTree, path + '/') : [];
      // A file on one side that is not a tree on the other is a changed path itself.
      const self = (x && x.kind !== 'tree') || (y && y.kind !== 'tree') ? [path] : [];
      return [...self, ...below];
    }),
  );
  return nested.flat();
}
