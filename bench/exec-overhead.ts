/**
 * The exec agent's overhead: the same trivial command N times through the agent, spawning with
 * its native spawner (posix_spawn), through its spawn helper and with Node's spawn() from this
 * process (`direct`), and through a plain child_process spawn, interleaved. `cpu_ms`: this process's CPU time (user and system) per run, where a direct
 * spawn's fork and exec are, its event loop blocked meanwhile. fork() copies the page tables of
 * the process that spawns, so the cost of spawning here grows with this process's memory: with
 * `ORBIT_BENCH_BALLAST_MB` (default 150, about an engine's in a daemon with a few hundred
 * services) this process holds that much more before it starts.
 *
 *   node --import tsx bench/exec-overhead.ts [N]
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ExecAgent } from '../src/agents/exec-agent.js';
import { nativeSpawner } from '../src/agents/native-spawn.js';
import { startSpawnHelper } from '../src/agents/spawn-helper.js';
import type { Invocation } from '../src/agents/types.js';
import { median, round } from './stats.js';

const BALLAST_MB = Number(process.env.ORBIT_BENCH_BALLAST_MB ?? 150);

function plain(): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('echo', ['hello'], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.resume();
    p.stderr.resume();
    p.once('error', reject);
    p.once('close', () => resolve());
  });
}

const inv: Invocation = {
  kind: 'exec',
  action: 'forward',
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

/** One run: its wall time and this process's CPU time meanwhile. */
async function timed(run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const t = performance.now();
  const c = process.cpuUsage();
  const r = await run();
  const { user, system } = process.cpuUsage(c);
  if (r && typeof r === 'object' && (r as { exitCode: number }).exitCode !== 0)
    throw new Error(`bench command failed: ${JSON.stringify(r)}`);
  return { wall: performance.now() - t, cpu: (user + system) / 1000 };
}

export async function execOverhead(options: { runs?: number } = {}): Promise<Record<string, unknown>> {
  const runs = options.runs ?? 200;
  const ballast: Buffer[] = [];
  for (let i = 0; i < BALLAST_MB; i++) ballast.push(Buffer.alloc(2 ** 20, 1));
  const helperPid = await startSpawnHelper();
  if (helperPid === undefined) throw new Error('the spawn helper did not start');
  if (!nativeSpawner().spawn) throw new Error(`the native spawner is not loaded: ${nativeSpawner().why}`);
  const cases = {
    native: new ExecAgent({ spawnVia: 'native' }),
    helper: new ExecAgent({ spawnVia: 'helper' }),
    direct: new ExecAgent({ spawnVia: 'direct' }),
  };
  const all = {
    native: () => cases.native.run(inv, ctx),
    helper: () => cases.helper.run(inv, ctx),
    direct: () => cases.direct.run(inv, ctx),
    spawn: plain,
  };
  for (let i = 0; i < 10; i++) for (const run of Object.values(all)) await run();
  const times = { native: [], helper: [], direct: [], spawn: [] } as Record<
    keyof typeof all,
    Array<{ wall: number; cpu: number }>
  >;
  for (let i = 0; i < runs; i++)
    for (const [name, run] of Object.entries(all)) times[name as keyof typeof all].push(await timed(run));
  const stats = (name: keyof typeof all) => ({
    median_ms: round(median(times[name].map((t) => t.wall)), 3),
    cpu_ms: round(median(times[name].map((t) => t.cpu)), 3),
  });
  const native = stats('native');
  const helper = stats('helper');
  const direct = stats('direct');
  const plainSpawn = stats('spawn');
  return {
    benchmark: 'exec-overhead',
    runs,
    rss_mb: round(process.memoryUsage().rss / 2 ** 20, 0),
    agent_native: native,
    agent_helper: helper,
    agent_direct: direct,
    spawn: plainSpawn,
    native_over_direct: round(native.median_ms / direct.median_ms, 3),
    helper_over_direct: round(helper.median_ms / direct.median_ms, 3),
    direct_over_spawn: round(direct.median_ms / plainSpawn.median_ms, 3),
    ballast_mb: ballast.length,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await execOverhead({ runs: Number(process.argv[2] ?? 200) }), null, 2));
}
