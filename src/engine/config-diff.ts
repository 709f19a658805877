/**
 * What changed in a service's files (`services/NAME/`) between two config commits, as a unified
 * diff with what the config marks sensitive masked: built here, from the files, so a secret
 * committed to values.hcl (or as a sensitive variable's default) never leaves the daemon. The
 * unmasked original is `git diff FROM TO -- services/NAME/` (the `command` it answers).
 */
import { createTwoFilesPatch } from 'diff';
import type { ResolvedVariables, ServiceSpec } from '../config/types.js';
import { run } from '../git/run.js';
import { marker, maskText, type Secret } from '../util/secrets.js';

/** The tree of an empty commit: the "before" of a first deployment. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export interface ConfigDiffFile {
  path: string;
  change: 'added' | 'removed' | 'changed';
}

export interface ConfigDiff {
  service: string;
  /** The previous deployment's config commit; null for a first deployment (diffed from nothing). */
  from: string | null;
  to: string;
  /** The git command that prints the same change, unmasked. */
  command: string;
  files: ConfigDiffFile[];
  /** Unified diff, sensitive values shown as `(sensitive:NAME)`; empty when nothing changed. */
  patch: string;
}

export interface ConfigDiffSource {
  repoDir: string;
  /** The service's config at a commit, as the engine loads it (off the daemon's thread). */
  load(service: string, commit: string): Promise<{ spec: ServiceSpec; vars: ResolvedVariables }>;
}

export async function configDiff(
  source: ConfigDiffSource,
  service: string,
  from: string | null,
  to: string,
): Promise<ConfigDiff> {
  const dir = `services/${service}/`;
  const sides = await Promise.all([from, to].map((c) => (c ? source.load(service, c) : null)));
  const masking = maskingOf(sides.filter((s) => s !== null));
  const [before, after] = await Promise.all([
    from ? filesAt(source.repoDir, from, dir) : new Map<string, string>(),
    filesAt(source.repoDir, to, dir),
  ]);
  const files: ConfigDiffFile[] = [];
  let patch = '';
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(path);
    const b = after.get(path);
    if (a === b) continue;
    files.push({ path, change: a === undefined ? 'added' : b === undefined ? 'removed' : 'changed' });
    patch += createTwoFilesPatch(
      a === undefined ? '/dev/null' : `a/${path}`,
      b === undefined ? '/dev/null' : `b/${path}`,
      masking(path, a ?? ''),
      masking(path, b ?? ''),
      undefined,
      undefined,
      {
        context: 3,
        headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true },
      },
    );
  }
  return { service, from, to, command: `git diff ${from ?? EMPTY_TREE} ${to} -- ${dir}`, files, patch };
}

/** The files under `dir` at `commit`, as text. */
async function filesAt(repoDir: string, commit: string, dir: string): Promise<Map<string, string>> {
  const listed = await run(['ls-tree', '-r', '-z', '--name-only', commit, '--', dir], { cwd: repoDir });
  const paths = listed.stdout.split('\0').filter(Boolean);
  const out = new Map<string, string>();
  for (const p of paths)
    out.set(p, (await run(['cat-file', 'blob', `${commit}:${p}`], { cwd: repoDir })).stdout);
  return out;
}

/**
 * Masks, on both sides: every sensitive value the config holds (each side's resolved values and
 * sensitive defaults, a multi-line value line by line), and, whatever its form (a number, a
 * list), the whole assignment of a sensitive variable in values.hcl and of its `default`.
 */
function maskingOf(
  sides: ReadonlyArray<{ spec: ServiceSpec; vars: ResolvedVariables }>,
): (path: string, text: string) => string {
  const names = new Set<string>();
  const secrets: Secret[] = [];
  const add = (name: string, value: string) => {
    secrets.push({ name, value });
    for (const line of value.split('\n')) if (line.trim()) secrets.push({ name, value: line });
  };
  for (const { spec, vars } of sides) {
    for (const v of spec.variables) {
      if (!v.sensitive && !vars.sensitive?.includes(v.name)) continue;
      names.add(v.name);
      for (const s of stringsIn(v.default)) add(v.name, s);
    }
    for (const s of vars.secrets)
      if (typeof s.raw !== 'number' && typeof s.raw !== 'boolean') add(s.name, s.value);
  }
  return (path, text) => {
    const file = path.slice(path.lastIndexOf('/') + 1);
    const lines = maskText(text, secrets).split('\n');
    if (file === 'values.hcl') maskAssignments(lines, (name, depth) => depth === 0 && names.has(name));
    if (file === 'deploy.hcl') maskDefaults(lines, names);
    return lines.join('\n');
  };
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

const ASSIGNMENT = /^(\s*)([A-Za-z_][\w-]*)(\s*=\s*)/;

/** Replaces the value of each assignment `which` selects (with the lines it continues onto). */
function maskAssignments(
  lines: string[],
  which: (name: string, depth: number) => boolean,
  tag?: string,
): void {
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = ASSIGNMENT.exec(lines[i]!);
    if (m && which(m[2]!, depth)) {
      const end = valueEnd(lines, i, m[0].length);
      lines.splice(i, end - i + 1, `${m[1]}${m[2]}${m[3]}${marker(tag ?? m[2]!)}`);
      continue;
    }
    depth += openings(lines[i]!);
  }
}

/** The `default` of each `variable "NAME"` block whose NAME is sensitive. */
function maskDefaults(lines: string[], names: ReadonlySet<string>): void {
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*variable\s+"([^"]+)"\s*\{/.exec(lines[i]!);
    if (!m || !names.has(m[1]!)) continue;
    let depth = openings(lines[i]!);
    let end = i;
    while (depth > 0 && end + 1 < lines.length) depth += openings(lines[++end]!);
    const block = lines.slice(i + 1, end);
    maskAssignments(block, (name, depth) => depth === 0 && name === 'default', m[1]);
    lines.splice(i + 1, end - i - 1, ...block);
  }
}

/** Brackets opened minus closed on a line, outside quoted strings and comments. */
function openings(line: string): number {
  let n = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '#' || (c === '/' && line[i + 1] === '/')) break;
    else if ('{[('.includes(c)) n++;
    else if ('}])'.includes(c)) n--;
  }
  return n;
}

/** The last line of the value that starts at `col` of line `i`: brackets balanced, heredocs ended. */
function valueEnd(lines: string[], i: number, col: number): number {
  const rest = lines[i]!.slice(col);
  const heredoc = /^<<-?\s*([A-Za-z_]\w*)\s*$/.exec(rest);
  if (heredoc) {
    for (let j = i + 1; j < lines.length; j++) if (lines[j]!.trim() === heredoc[1]) return j;
    return lines.length - 1;
  }
  let depth = openings(rest);
  let j = i;
  while (depth > 0 && j + 1 < lines.length) depth += openings(lines[++j]!);
  return j;
}
