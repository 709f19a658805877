/**
 * Orchestration overhead per step: a deployment of N steps that do nothing (`true` through the
 * exec agent) against spawning the same N processes directly, in the same run. The difference per
 * step is what Orbit adds: rendering, two log commits (intent and result), the agent's plumbing.
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

export async function engineOverhead(
  options: { steps?: number; rounds?: number } = {},
): Promise<Record<string, unknown>> {
  const steps = options.steps ?? 20;
  const rounds = options.rounds ?? 5;
  const repo = new ConfigRepo('orbit-bench-');
  const blocks = Array.from(
    { length: steps },
    (_, i) => `step {\n  name = "s${i}"\n  agent = "exec"\n  forward = ["true"]\n  reverse = ["true"]\n}`,
  );
  repo.commit({
    'services/bench/deploy.hcl': `variable "version" {}\n${blocks.join('\n')}\n`,
    'services/bench/values.hcl': 'version = "0"\n',
  });
  const engine = await openEngine({ repoDir: repo.dir, env: {} });
  try {
    await engine.reconcile(); // warm: first deployment, wasm start of the HCL parser, caches
    const orbit: number[] = [];
    const direct: number[] = [];
    for (let r = 0; r < rounds; r++) {
      repo.commit({ 'services/bench/values.hcl': `version = "${r + 1}"\n` });
      let t = performance.now();
      const report = await engine.reconcile();
      orbit.push(performance.now() - t);
      if (report.outcomes[0]?.status !== 'succeeded')
        throw new Error(`bench deployment failed: ${JSON.stringify(report)}`);
      t = performance.now();
      for (let i = 0; i < steps; i++) await spawnTrue();
      direct.push(performance.now() - t);
    }
    const o = median(orbit);
    const d = median(direct);
    return {
      benchmark: 'engine-overhead',
      steps,
      rounds,
      orbit_deployment_ms: round(o),
      direct_processes_ms: round(d),
      overhead_per_step_ms: round((o - d) / steps),
      ratio: round(o / d),
    };
  } finally {
    await engine.close();
    repo.remove();
  }
}
