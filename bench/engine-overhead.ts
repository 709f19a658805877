/**
 * What Orbit adds to a deployment, against spawning the same processes directly, in one run:
 * deployments of 5 and of 25 steps that do nothing (`true` through the exec agent). The slope
 * between the two sizes is the cost per step (rendering, the intent and result commits, the
 * agent's plumbing); what is left is the fixed cost of a deployment (reading the new commits,
 * loading the HCL, the deploy-started, deploy-succeeded and commit-seen entries).
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { openEngine } from '../src/engine/open.js';
import { ConfigRepo } from '../test/support/config-repo.js';
import { median, round } from './stats.js';

function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('true', [], { stdio: 'ignore' });
    p.once('error', reject);
    p.once('exit', () => resolve());
  });
}

const plan = (steps: number): string =>
  `variable "version" {}\n` +
  Array.from(
    { length: steps },
    (_, i) => `step {\n  name = "s${i}"\n  agent = "exec"\n  forward = ["true"]\n  reverse = ["true"]\n}\n`,
  ).join('');

export async function engineOverhead(options: { rounds?: number } = {}): Promise<Record<string, unknown>> {
  const rounds = options.rounds ?? 7;
  const sizes = { small: 5, large: 25 } as const;
  const repo = new ConfigRepo('orbit-bench-');
  repo.commit({
    'services/small/deploy.hcl': plan(sizes.small),
    'services/small/values.hcl': 'version = "0"\n',
    'services/large/deploy.hcl': plan(sizes.large),
    'services/large/values.hcl': 'version = "0"\n',
  });
  const engine = await openEngine({ repoDir: repo.dir, env: {} });
  const orbit = { small: [] as number[], large: [] as number[] };
  const direct = { small: [] as number[], large: [] as number[] };
  try {
    await engine.reconcile(); // warm: first deployments, the HCL parser's WebAssembly, caches
    for (let r = 1; r <= rounds; r++) {
      for (const size of ['small', 'large'] as const) {
        repo.commit({ [`services/${size}/values.hcl`]: `version = "${r}"\n` });
        let t = performance.now();
        const report = await engine.reconcile();
        orbit[size].push(performance.now() - t);
        if (report.outcomes[0]?.status !== 'succeeded')
          throw new Error(`bench deployment failed: ${JSON.stringify(report)}`);
        t = performance.now();
        for (let i = 0; i < sizes[size]; i++) await spawnTrue();
        direct[size].push(performance.now() - t);
      }
    }
  } finally {
    await engine.close();
    repo.remove();
  }
  const o = { small: median(orbit.small), large: median(orbit.large) };
  const d = { small: median(direct.small), large: median(direct.large) };
  const perStep = (o.large - o.small - (d.large - d.small)) / (sizes.large - sizes.small);
  const fixed = o.small - d.small - perStep * sizes.small;
  return {
    benchmark: 'engine-overhead',
    rounds,
    steps: sizes,
    orbit_deployment_ms: { small: round(o.small), large: round(o.large) },
    direct_processes_ms: { small: round(d.small), large: round(d.large) },
    overhead_per_step_ms: round(perStep),
    overhead_per_deployment_ms: round(fixed),
    ratio_large: round(o.large / d.large),
  };
}
