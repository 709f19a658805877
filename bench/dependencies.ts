/**
 * What `depends_on` costs a batch, interleaved in one run: 20 services changed by one commit,
 * (a) independent, (b) each depending on a root service the commit does not change (so nothing
 * waits: only the bookkeeping — the cross-service check, the ordering, the dependency reads), and
 * (c) a tree (s<i> depends on s<(i-1)/2>: 5 waves), whose waits are the point of the feature.
 */
import { performance } from 'node:perf_hooks';
import { openEngine } from '../src/engine/open.js';
import { ConfigRepo } from '../test/support/config-repo.js';
import { median, round } from './stats.js';

const SERVICES = 20;
type Shape = 'independent' | 'root' | 'tree';

const deps = (shape: Shape, i: number): string[] =>
  shape === 'root' ? ['root'] : shape === 'tree' && i > 0 ? [`s${Math.floor((i - 1) / 2)}`] : [];

const plan = (d: string[]): string =>
  `${d.length ? `depends_on = [${d.map((x) => `"${x}"`).join(', ')}]\n` : ''}variable "version" {}\n` +
  `step {\n  name = "go"\n  agent = "exec"\n  forward = ["true"]\n  reverse = ["true"]\n}\n`;

function files(shape: Shape, version: number, withDeploy: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < SERVICES; i++) {
    if (withDeploy) out[`services/s${i}/deploy.hcl`] = plan(deps(shape, i));
    out[`services/s${i}/values.hcl`] = `version = "${version}"\n`;
  }
  return out;
}

export async function dependenciesBench(options: { rounds?: number } = {}): Promise<Record<string, unknown>> {
  const rounds = options.rounds ?? 3;
  const shapes: Shape[] = ['independent', 'root', 'tree'];
  const times: Record<Shape, number[]> = { independent: [], root: [], tree: [] };
  const repos = new Map<Shape, ConfigRepo>();
  try {
    for (const shape of shapes) {
      const repo = new ConfigRepo('orbit-bench-');
      repo.commit({ ...files(shape, 0, true), 'services/root/deploy.hcl': plan([]) });
      repos.set(shape, repo);
      const engine = await openEngine({ repoDir: repo.dir, env: {}, maxParallel: 4 });
      await engine.reconcile().finally(() => engine.close()); // warm: first deployments
    }
    for (let r = 1; r <= rounds; r++) {
      for (const shape of shapes) {
        const repo = repos.get(shape)!;
        repo.commit(files(shape, r, false));
        const engine = await openEngine({ repoDir: repo.dir, env: {}, maxParallel: 4 });
        try {
          const t = performance.now();
          const report = await engine.reconcile();
          times[shape].push(performance.now() - t);
          if (report.outcomes.some((o) => o.status !== 'succeeded'))
            throw new Error(`bench deployment failed: ${JSON.stringify(report.outcomes)}`);
        } finally {
          await engine.close();
        }
      }
    }
  } finally {
    for (const repo of repos.values()) repo.remove();
  }
  const m = Object.fromEntries(shapes.map((s) => [s, median(times[s])])) as Record<Shape, number>;
  return {
    benchmark: 'dependencies',
    rounds,
    services: SERVICES,
    max_parallel: 4,
    reconcile_ms: { independent: round(m.independent), root: round(m.root), tree: round(m.tree) },
    ratio_root_vs_independent: round(m.root / m.independent),
    ratio_tree_vs_independent: round(m.tree / m.independent),
  };
}
