/**
 * The exec agent's overhead: the same trivial command N times through the agent (outputs file,
 * detached spawn, capped capture, outputs read) and through a plain child_process spawn,
 * interleaved.
 *
 *   node --import tsx bench/exec-overhead.ts [N]
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ExecAgent } from '../src/agents/exec-agent.js';
import { median, round } from './stats.js';

function plain(): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('echo', ['hello'], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.resume();
    p.stderr.resume();
    p.once('error', reject);
    p.once('close', () => resolve());
  });
}

export async function execOverhead(options: { runs?: number } = {}): Promise<Record<string, unknown>> {
  const runs = options.runs ?? 200;
  const agent = new ExecAgent();
  const inv = {
    kind: 'exec',
    action: 'forward' as const,
    args: ['echo', 'hello'],
    env: {
      ORBIT_ACTION: 'forward',
      ORBIT_SERVICE: 'bench',
      ORBIT_DEPLOYMENT: 'bench-1',
      ORBIT_STEP: 's',
      ORBIT_COMMIT: '0',
    },
    timeoutMs: 60_000,
    params: {},
  };
  const ctx = {
    service: 'bench',
    deploymentId: 'bench-1',
    stepName: 's',
    secrets: [{ name: 'bench', value: 'not-in-output' }],
  };
  for (let i = 0; i < 10; i++) {
    await agent.run(inv, ctx);
    await plain();
  }
  const viaAgent: number[] = [];
  const viaSpawn: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const r = await agent.run(inv, ctx);
    viaAgent.push(performance.now() - t);
    if (r.exitCode !== 0) throw new Error(`bench command failed: ${JSON.stringify(r)}`);
    t = performance.now();
    await plain();
    viaSpawn.push(performance.now() - t);
  }
  const a = median(viaAgent);
  const s = median(viaSpawn);
  return {
    benchmark: 'exec-overhead',
    runs,
    agent_median_ms: round(a, 3),
    spawn_median_ms: round(s, 3),
    overhead_ms: round(a - s, 3),
    ratio: round(a / s, 3),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await execOverhead({ runs: Number(process.argv[2] ?? 200) }), null, 2));
}
