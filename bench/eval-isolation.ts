import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IsolatedLoader } from '../src/config/isolated-load.js';
import { loadService } from '../src/config/load.js';
import { resolveVariables } from '../src/config/render.js';
import { median, round } from './stats.js';

/**
 * What evaluating a service's config in the evaluator process costs: one load (read from git, parse,
 * check, resolve variables) in the calling thread, and the same through the evaluator (plus its
 * trial render and the structured clone of the result), median of N (`ORBIT_BENCH_LOADS`, default
 * 30), alternating; and the evaluator's start-up (paid once, and again after a load hits a limit).
 */
const LOADS = Number(process.env.ORBIT_BENCH_LOADS ?? 30);
const ms = (t0: number): number => performance.now() - t0;

function repo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-bench-eval-'));
  const src = path.resolve(import.meta.dirname, '../examples/quickstart');
  fs.cpSync(src, dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  execFileSync('git', ['-C', dir, 'add', '-A']);
  execFileSync('git', ['-C', dir, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'bench']);
  return dir;
}

export async function evalIsolation(): Promise<Record<string, unknown>> {
  const dir = repo();
  const service = fs.readdirSync(path.join(dir, 'services'))[0]!;
  const loader = new IsolatedLoader();
  const request = { repoDir: dir, service, ref: 'HEAD', env: {} };

  const t0 = performance.now();
  await loader.load(request);
  const firstWorkerLoad = ms(t0);
  await loadService(dir, service, { ref: 'HEAD' });

  const inThread: number[] = [];
  const inWorker: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    let t = performance.now();
    resolveVariables(await loadService(dir, service, { ref: 'HEAD' }), {}, {});
    inThread.push(ms(t));
    t = performance.now();
    await loader.load(request);
    inWorker.push(ms(t));
  }
  await loader.close();
  return {
    service,
    loads: LOADS,
    load_ms_in_thread: round(median(inThread)),
    load_ms_in_worker: round(median(inWorker)),
    worker_overhead_ms: round(median(inWorker) - median(inThread)),
    worker_start_and_first_load_ms: round(firstWorkerLoad),
  };
}
