import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { median, round } from './stats.js';

/**
 * What one `spawn()` of `true` costs in a process, by what else that process holds: nothing (a bare
 * Node), the HCL parser's WebAssembly loaded in the process, loaded in a worker thread of it (which
 * shares its address space), or in Orbit's config evaluator (a child process, src/config/isolated-load.ts).
 * Each case runs in a fresh process, the cases interleaved over `ORBIT_BENCH_ROUNDS` rounds (default
 * 3) of `ORBIT_BENCH_SPAWNS` spawns each (default 40), after `ORBIT_BENCH_SETTLE_MS` (default 4000)
 * for V8 to finish compiling the WebAssembly in the background (a few seconds of CPU wherever the
 * parser is, which would otherwise compete with the spawns on a small machine). `blocked_ms`: how
 * long `spawn()` holds the event loop (fork + exec happen inside it); `exit_ms`: until the child's
 * exit is seen.
 */
const CASES = ['bare', 'wasm-in-process', 'wasm-in-worker', 'wasm-in-child'] as const;
type Case = (typeof CASES)[number];
const CASE_VAR = 'ORBIT_SPAWN_COST_CASE';
const SPAWNS = Number(process.env.ORBIT_BENCH_SPAWNS ?? 40);
const ROUNDS = Number(process.env.ORBIT_BENCH_ROUNDS ?? 3);
const SETTLE_MS = Number(process.env.ORBIT_BENCH_SETTLE_MS ?? 4000);

const HCL = 'step {\n  name = "w"\n  agent = "exec"\n  forward = ["true"]\n}\n';

async function spawnTrue(): Promise<{ blocked: number; exit: number }> {
  const t0 = performance.now();
  const child = spawn('true', [], { stdio: 'ignore' });
  const blocked = performance.now() - t0;
  await new Promise((resolve) => child.on('exit', resolve));
  return { blocked, exit: performance.now() - t0 };
}

/** Puts the parser where the case says, then spawns; returns the medians as JSON on stdout. */
async function runCase(which: Case): Promise<void> {
  let stop = async (): Promise<void> => undefined;
  if (which === 'wasm-in-process') {
    const { parseHclFile } = await import('../src/config/hcl/parse.js');
    await parseHclFile('w.hcl', HCL);
  } else if (which === 'wasm-in-worker') {
    const w = new Worker(
      `const { parentPort } = require('node:worker_threads');
       import('@cdktn/hcl2json').then((h) => h.parse('w.hcl', ${JSON.stringify(HCL)})).then(() => parentPort.postMessage(1));`,
      { eval: true },
    );
    await new Promise((resolve) => w.once('message', resolve));
    stop = async () => void (await w.terminate());
  } else if (which === 'wasm-in-child') {
    const { IsolatedLoader } = await import('../src/config/isolated-load.js');
    const loader = new IsolatedLoader();
    await loader.warmUp();
    stop = () => loader.close();
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const blocked: number[] = [];
  const exit: number[] = [];
  for (let i = 0; i < SPAWNS; i++) {
    const r = await spawnTrue();
    blocked.push(r.blocked);
    exit.push(r.exit);
  }
  const rss = process.memoryUsage().rss;
  await stop();
  console.log(JSON.stringify({ blocked: median(blocked), exit: median(exit), rss }));
}

export async function spawnCost(): Promise<Record<string, unknown>> {
  const runs: Record<Case, Array<{ blocked: number; exit: number; rss: number }>> = {
    bare: [],
    'wasm-in-process': [],
    'wasm-in-worker': [],
    'wasm-in-child': [],
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const which of CASES) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', new URL(import.meta.url).pathname],
        { env: { ...process.env, [CASE_VAR]: which } },
      );
      runs[which].push(JSON.parse(stdout.trim().split('\n').pop()!));
    }
  }
  return {
    spawns: SPAWNS,
    rounds: ROUNDS,
    settle_ms: SETTLE_MS,
    ...Object.fromEntries(
      CASES.map((c) => [
        c,
        {
          blocked_ms: round(median(runs[c].map((x) => x.blocked))),
          exit_ms: round(median(runs[c].map((x) => x.exit))),
          rss_mb: round(median(runs[c].map((x) => x.rss)) / 2 ** 20, 0),
        },
      ]),
    ),
  };
}

const which = process.env[CASE_VAR] as Case | undefined;
if (which && CASES.includes(which)) await runCase(which);
