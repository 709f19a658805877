/**
 * The docker agent's overhead: the same trivial container run N times through the agent
 * (pull-policy check, outputs folder, labels, attach, wait, outputs read, remove) and directly
 * through dockerode (create, start, wait, remove), interleaved so both see the same engine state.
 * Target: ratio of medians <= 1.15.
 *
 *   node --import tsx bench/docker-overhead.ts [N]
 */
import Docker from 'dockerode';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DockerAgent } from '../src/agents/docker-agent.js';
import { median, round } from './stats.js';

const IMAGE = 'orbit-test/busybox:latest';

async function direct(docker: Docker): Promise<void> {
  const c = await docker.createContainer({ Image: IMAGE, Cmd: ['true'] });
  await c.start();
  await c.wait();
  await c.remove({ force: true });
}

export async function dockerOverhead(options: { runs?: number } = {}): Promise<Record<string, unknown>> {
  const runs = options.runs ?? 20;
  const docker = new Docker();
  const agent = new DockerAgent({ instance: 'bench' });
  const inv = {
    kind: 'docker',
    action: 'forward' as const,
    args: ['true'],
    env: {
      ORBIT_ACTION: 'forward',
      ORBIT_SERVICE: 'bench',
      ORBIT_DEPLOYMENT: 'bench-1',
      ORBIT_STEP: 's',
      ORBIT_COMMIT: '0',
    },
    timeoutMs: 60_000,
    params: { image: IMAGE, pull: 'missing' },
  };
  const ctx = { service: 'bench', deploymentId: 'bench-1', stepName: 's', secrets: [] };
  // Warm both paths (connection, image cache, overlay).
  await direct(docker);
  await agent.run(inv, ctx);

  const viaAgent: number[] = [];
  const viaDockerode: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const r = await agent.run(inv, ctx);
    viaAgent.push(performance.now() - t);
    if (r.exitCode !== 0) throw new Error(`bench container failed: ${JSON.stringify(r)}`);
    t = performance.now();
    await direct(docker);
    viaDockerode.push(performance.now() - t);
  }
  const a = median(viaAgent);
  const d = median(viaDockerode);
  return {
    benchmark: 'docker-overhead',
    runs,
    agent_median_ms: round(a),
    dockerode_median_ms: round(d),
    overhead_ms: round(a - d),
    ratio: round(a / d),
    target_ratio: 1.15,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await dockerOverhead({ runs: Number(process.argv[2] ?? 20) }), null, 2));
}
