import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median, round } from './stats.js';

/**
 * What the HCL parser costs where it is felt: the first `orbit validate` of a repository in a fresh
 * process (bundled as `npm run build` does), this checkout against another one
 * (`ORBIT_BENCH_BEFORE=<checkout>`, e.g. a worktree of the commit before the parser swap), and the
 * first parse in a fresh process for each parser candidate that is installed: `@cdktf/hcl2json`
 * (the frozen one), `@cdktn/hcl2json` (its maintained fork, used now) and web-tree-sitter with
 * `@tree-sitter-grammars/tree-sitter-hcl` (from `ORBIT_BENCH_TREE_SITTER_DIR`, a folder whose
 * node_modules holds both). Rounds alternate between candidates (`ORBIT_BENCH_ROUNDS`, default
 * 9); medians of wall time in milliseconds.
 */
const ROUNDS = Number(process.env.ORBIT_BENCH_ROUNDS ?? 9);
const ROOT = path.resolve(import.meta.dirname, '..');

const FILE = fs.readFileSync(path.join(ROOT, 'examples/quickstart/services/waffle/deploy.hcl'), 'utf8');
const EXPR = '["sh", "-c", "echo ${var.version} > web.current && echo ${upper(var.version)}"]';

function repo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-bench-hcl-'));
  fs.cpSync(path.join(ROOT, 'examples/quickstart'), dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  execFileSync('git', ['-C', dir, 'add', '-A']);
  execFileSync('git', ['-C', dir, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'bench']);
  return dir;
}

/** Bundles a checkout's CLI next to this checkout's node_modules, as `npm run build` does. */
function bundle(checkout: string, name: string): string {
  const out = path.join(ROOT, '.bench', `${name}.mjs`);
  execFileSync(
    path.join(ROOT, 'node_modules/.bin/esbuild'),
    [
      path.join(checkout, 'src/cli/main.ts'),
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--packages=external',
      '--target=node20',
      `--outfile=${out}`,
      '--log-level=error',
    ],
    { cwd: checkout },
  );
  return out;
}

function wall(args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return ms;
}

interface Candidate {
  name: string;
  cwd: string;
  script: string;
}

function parserCandidates(): Candidate[] {
  const out: Candidate[] = [];
  const hcl2json = (name: string, entry: string) => ({
    name,
    cwd: ROOT,
    script: `const t0 = performance.now();
const m = await import(${JSON.stringify(entry)});
await m.parse('deploy.hcl', ${JSON.stringify(FILE)});
await m.getExpressionAst('deploy.hcl', ${JSON.stringify(EXPR + '\n')});
console.log(performance.now() - t0);`,
  });
  for (const [name, entry] of [
    ['@cdktf/hcl2json', '@cdktf/hcl2json'],
    ['@cdktn/hcl2json', '@cdktn/hcl2json'],
  ] as const) {
    if (fs.existsSync(path.join(ROOT, 'node_modules', name))) out.push(hcl2json(name, entry));
  }
  const ts = process.env.ORBIT_BENCH_TREE_SITTER_DIR;
  const wasm = ts && path.join(ts, 'node_modules/@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm');
  if (ts && wasm && fs.existsSync(wasm)) {
    out.push({
      name: 'web-tree-sitter + tree-sitter-hcl',
      cwd: ts,
      script: `const t0 = performance.now();
const { Parser, Language } = await import('web-tree-sitter');
await Parser.init();
const parser = new Parser();
parser.setLanguage(await Language.load(${JSON.stringify(wasm)}));
if (parser.parse(${JSON.stringify(FILE)}).rootNode.hasError) throw new Error('parse error');
console.log(performance.now() - t0);`,
    });
  }
  return out;
}

export async function hclLoad(): Promise<Record<string, unknown>> {
  const dir = repo();
  const validate: Record<string, { bundle: string; ms: number[] }> = {
    after: { bundle: bundle(ROOT, 'after'), ms: [] },
  };
  const before = process.env.ORBIT_BENCH_BEFORE;
  if (before) validate.before = { bundle: bundle(path.resolve(before), 'before'), ms: [] };
  const parsers = parserCandidates().map((c) => ({
    ...c,
    firstParse: [] as number[],
    process: [] as number[],
  }));

  for (let i = 0; i < ROUNDS; i++) {
    for (const v of Object.values(validate)) v.ms.push(wall([v.bundle, 'validate', '--repo', dir], dir));
    for (const p of parsers) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', p.script], {
        cwd: p.cwd,
        encoding: 'utf8',
      });
      p.process.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`${p.name}: ${r.stderr}`);
      p.firstParse.push(Number(r.stdout.trim()));
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(path.join(ROOT, '.bench'), { recursive: true, force: true });
  return {
    rounds: ROUNDS,
    firstValidateMs: Object.fromEntries(
      Object.entries(validate).map(([k, v]) => [k, round(median(v.ms), 0)]),
    ),
    firstParseInFreshProcessMs: Object.fromEntries(
      parsers.map((p) => [
        p.name,
        { importAndParse: round(median(p.firstParse), 0), process: round(median(p.process), 0) },
      ]),
    ),
  };
}
