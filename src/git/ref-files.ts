/**
 * Reading refs from their files, as git stores them by default: a loose ref (`refs/heads/main`,
 * an id or `ref: <target>`) wins over its line in `packed-refs`. Whatever this cannot read with
 * certainty — another ref storage (reftable), a per-worktree ref, a malformed file — answers
 * `undefined`, and the caller asks git, which knows every case.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The part of a repository refs are read from (a worktree's HEAD lives in its own dir). */
export interface RefDirs {
  /** Holds HEAD (the work tree's, for a linked worktree). */
  gitDir: string;
  /** Holds objects, packed-refs and refs/heads. */
  commonDir: string;
}

/** Only the files-backend layout is read here; a reftable repository keeps refs in tables. */
export function filesBackend(dirs: RefDirs): boolean {
  return !existsSync(path.join(dirs.commonDir, 'reftable'));
}

interface Packed {
  mtimeMs: number;
  size: number;
  refs: Map<string, string>;
}

const packedCache = new Map<string, Packed>();

/** `packed-refs`, parsed once per change of the file (its lines: `<id> <name>`, `^<peeled>`, `#`). */
function packedRefs(commonDir: string): Map<string, string> | undefined {
  const file = path.join(commonDir, 'packed-refs');
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    return undefined;
  }
  const cached = packedCache.get(file);
  if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.refs;
  const refs = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const sp = line.indexOf(' ');
    const oid = line.slice(0, sp);
    if (sp < 0 || !OID.test(oid)) return undefined;
    refs.set(line.slice(sp + 1), oid);
  }
  packedCache.set(file, { mtimeMs: st.mtimeMs, size: st.size, refs });
  return refs;
}

/** A ref name git would accept and that a file path cannot misread (no `..`, no odd characters). */
function plainRefName(name: string): boolean {
  return (
    (name === 'HEAD' || /^refs\/[A-Za-z0-9._\-/]+$/.test(name)) &&
    !name.split('/').some((c) => c === '' || c.startsWith('.') || c.endsWith('.lock')) &&
    !name.includes('..')
  );
}

/**
 * The id a full ref name points to, following symbolic refs: null when there is no such ref,
 * `undefined` when only git can say.
 */
export function readRef(dirs: RefDirs, name: string, depth = 0): string | null | undefined {
  if (depth > 5 || !plainRefName(name)) return undefined;
  // Per-worktree refs of a linked worktree, and anything git keeps beside HEAD: git's business.
  const perWorktree = name === 'HEAD' || /^refs\/(bisect|worktree|rewritten)\//.test(name);
  if (perWorktree && dirs.gitDir !== dirs.commonDir) return undefined;
  let text: string | null = null;
  try {
    text = readFileSync(path.join(dirs.commonDir, ...name.split('/')), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') return undefined;
  }
  if (text !== null) {
    const value = text.trim();
    if (OID.test(value)) return value;
    if (value.startsWith('ref: ')) return readRef(dirs, value.slice(5).trim(), depth + 1);
    return undefined;
  }
  if (name === 'HEAD') return undefined;
  const packed = packedRefs(dirs.commonDir);
  if (!packed) return undefined;
  return packed.get(name) ?? null;
}

/**
 * What `git rev-parse <name>` finds for a name without revision syntax, by git's rules
 * (`<name>`, `refs/<name>`, `refs/tags/`, `refs/heads/`, `refs/remotes/`, `refs/remotes/<name>/HEAD`,
 * the first that exists): a full id is itself; `undefined` when only git can say (revision
 * syntax, an abbreviated id, no such ref, another ref storage).
 */
export function lookupName(dirs: RefDirs, name: string): string | undefined {
  if (OID.test(name)) return name;
  if (!filesBackend(dirs) || !/^[A-Za-z0-9._\-/]+$/.test(name)) return undefined;
  // `FETCH_HEAD`, `ORIG_HEAD` and the like are files beside HEAD, written by git's commands.
  if (name !== 'HEAD' && /^[A-Z_]+$/.test(name)) return undefined;
  const candidates =
    name === 'HEAD' || name.startsWith('refs/')
      ? [name]
      : [
          `refs/${name}`,
          `refs/tags/${name}`,
          `refs/heads/${name}`,
          `refs/remotes/${name}`,
          `refs/remotes/${name}/HEAD`,
        ];
  for (const ref of candidates) {
    const oid = readRef(dirs, ref);
    if (oid === undefined) return undefined;
    if (oid !== null) return oid;
  }
  // No ref by that name: it may still be an abbreviated id or a `git describe` name.
  return undefined;
}
