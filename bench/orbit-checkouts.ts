/**
 * The Orbit checkouts a benchmark measures side by side: this one (`orbit`) and, with
 * ORBIT_BENCH_BASELINE, others, each run through its own `bin/orbit.js`, as a user would run it.
 *
 *   ORBIT_BENCH_BASELINE=/work/baseline                 → orbit, orbit-baseline
 *   ORBIT_BENCH_BASELINE=old=/work/a,older=/work/b      → orbit, orbit-old, orbit-older
 *   ORBIT_BENCH_SKIP_CURRENT=1 (with a baseline)        → the baselines only
 *
 * bin/orbit.js runs the checkout's bundle (dist/orbit.mjs) only when it is newer than every source
 * file, else the sources through tsx, which starts several times slower: a benchmark of a stale
 * checkout would measure tsx. So a stale bundle is rebuilt first (`npm run build` in that
 * checkout, what `npm install` does there), and the result says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bundleIsFresh } from '../bin/bundle-fresh.js';

export interface OrbitCheckout {
  /** `orbit`, `orbit-baseline`, `orbit-<name>`: the key in a benchmark's results. */
  name: string;
  root: string;
  bin: string;
  /** Whether the bundle had to be rebuilt before measuring. */
  rebuilt: boolean;
}

const HERE = path.resolve(import.meta.dirname, '..');

function checkout(name: string, root: string): OrbitCheckout {
  const bin = path.join(root, 'bin', 'orbit.js');
  if (!existsSync(bin)) throw new Error(`${name}: no Orbit checkout at ${root} (no bin/orbit.js)`);
  let rebuilt = false;
  if (!bundleIsFresh(root)) {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    rebuilt = true;
  }
  return { name, root, bin, rebuilt };
}

/** Parses ORBIT_BENCH_BASELINE: one path (→ orbit-baseline) or comma-separated name=path pairs. */
export function parseBaselines(spec: string | undefined): Array<{ name: string; root: string }> {
  const parts = (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0)
      return {
        name: parts.length === 1 ? 'orbit-baseline' : `orbit-${path.basename(part)}`,
        root: path.resolve(part),
      };
    return { name: `orbit-${part.slice(0, eq)}`, root: path.resolve(part.slice(eq + 1)) };
  });
}

/** ORBIT_BENCH_SKIP_CURRENT=1 measures the baselines only (a "before" run, when this checkout is the same code). */
export function orbitCheckouts(env: NodeJS.ProcessEnv = process.env): OrbitCheckout[] {
  const baselines = parseBaselines(env.ORBIT_BENCH_BASELINE).map((b) => checkout(b.name, b.root));
  if (env.ORBIT_BENCH_SKIP_CURRENT === '1' && baselines.length) return baselines;
  return [checkout('orbit', HERE), ...baselines];
}

/** What a result records about the checkouts it measured. */
export function describeCheckouts(checkouts: readonly OrbitCheckout[]): Record<string, unknown> {
  const commit = (root: string): string => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return Object.fromEntries(
    checkouts.map((c) => [c.name, { root: c.root, commit: commit(c.root), rebuilt_bundle: c.rebuilt }]),
  );
}
