import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStateLog, type LogEntry, type OrbitStateLog } from '../src/state/index.js';
import { buildSyntheticHistory } from './state-history.js';

/**
 * The activity log's costs: append throughput, and the status (service view) and unwind-plan
 * reads, cold (a fresh open) and warm, at 1,000 and 100,000 entries of history; plus the cold
 * open itself. `ORBIT_BENCH_SIZES=1000,20000` changes the sizes.
 */

function tempRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-bench-'));
  execFileSync('git', ['init', '-q', '--bare', dir]);
  return dir;
}

const ms = (t0: number): number => performance.now() - t0;
const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function entry(kind: LogEntry['kind'], service: string, id: string, extra: Partial<LogEntry> = {}): LogEntry {
  return {
    kind,
    service_id: service,
    deploy_id: id,
    previous_deploy_id: null,
    next_deploy_id: null,
    step_id: null,
    previous_step_id: null,
    next_step_id: null,
    step_name: null,
    step_index: null,
    step_count: 4,
    forward_action: null,
    reverse_action: null,
    applied_time: new Date().toISOString(),
    config_commit: 'f'.repeat(40),
    author: 'Bench <bench@example.com>',
    duration_ms: null,
    exit_code: null,
    outputs: {},
    log: '',
    error: null,
    reason: null,
    values: { version: '1' },
    redeploy_of: null,
    ...extra,
  };
}

/** Appends whole deployments (10 entries each) across services; returns entries per second. */
async function appendThroughput(log: OrbitStateLog, deployments: number, prefix: string): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  for (let d = 0; d < deployments; d++) {
    const service = `${prefix}${d % 5}`;
    const id = `${service}-${1_000_000 + d}`;
    await log.append(entry('deploy-started', service, id));
    for (let i = 0; i < 4; i++) {
      const step = { step_index: i, step_name: `s${i}` };
      await log.append(entry('step-started', service, id, step));
      await log.append(
        entry('step-applied', service, id, { ...step, exit_code: 0, duration_ms: 10, log: 'ok\n' }),
      );
    }
    await log.append(entry('deploy-succeeded', service, id));
    n += 10;
  }
  return n / (ms(t0) / 1000);
}

async function measureAt(size: number): Promise<Record<string, unknown>> {
  const dir = tempRepo();
  const tBuild = performance.now();
  const hist = await buildSyntheticHistory(dir, size);
  const buildMs = ms(tBuild);
  const packBytes = fs
    .readdirSync(path.join(dir, 'objects', 'pack'))
    .reduce((a, f) => a + fs.statSync(path.join(dir, 'objects', 'pack', f)).size, 0);

  const runs = 7;
  const openMs: number[] = [];
  const coldStatus: number[] = [];
  const coldPlan: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t0 = performance.now();
    const a = await openStateLog({ dir });
    openMs.push(ms(t0));
    t0 = performance.now();
    const view = await a.service(hist.service);
    coldStatus.push(ms(t0));
    if (view?.current !== hist.current) throw new Error(`unexpected view: ${JSON.stringify(view)}`);
    await a.close();

    const b = await openStateLog({ dir, readOnly: true });
    t0 = performance.now();
    const plan = await b.unwindPlan(hist.current);
    coldPlan.push(ms(t0));
    if (plan.length !== 4) throw new Error(`unexpected unwind plan of ${hist.current}: ${plan.length} steps`);
    await b.close();
  }

  const log = await openStateLog({ dir });
  await log.service(hist.service);
  await log.unwindPlan(hist.current);
  // Warm reads cost microseconds: the median of 10 batches keeps a stray GC pause out of the ratio.
  const perRead = async (fn: () => Promise<unknown>): Promise<number> => {
    const batches: number[] = [];
    for (let b = 0; b < 10; b++) {
      const t0 = performance.now();
      for (let i = 0; i < 2_000; i++) await fn();
      batches.push(ms(t0) / 2_000);
    }
    return median(batches);
  };
  const warmStatus = await perRead(() => log.service(hist.service));
  const warmPlan = await perRead(() => log.unwindPlan(hist.current));
  // Appending on top of this history: its cost must not depend on the history's length.
  const appendPerSec = await appendThroughput(log, 20, 'late');
  await log.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    entries: hist.entries,
    build_ms: round(buildMs, 0),
    pack_mb: round(packBytes / 1024 / 1024, 1),
    cold_open_ms: round(median(openMs)),
    status_cold_ms: round(median(coldStatus)),
    unwind_plan_cold_ms: round(median(coldPlan)),
    status_warm_ms: round(warmStatus, 5),
    unwind_plan_warm_ms: round(warmPlan, 5),
    append_on_top_entries_per_s: round(appendPerSec, 1),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const sizes = (process.env.ORBIT_BENCH_SIZES ?? '1000,100000').split(',').map(Number);
  const fresh = tempRepo();
  const log = await openStateLog({ dir: fresh });
  const appendPerSec = await appendThroughput(log, 50, 'svc');
  await log.close();
  fs.rmSync(fresh, { recursive: true, force: true });

  const at: Record<string, Record<string, unknown>> = {};
  for (const size of sizes) at[String(size)] = await measureAt(size);
  const small = at[String(sizes[0])] ?? {};
  const big = at[String(sizes[sizes.length - 1])] ?? {};
  const ratio = (k: string): number => round(Number(big[k]) / Number(small[k]), 2);
  return {
    machine: { cpus: os.cpus().length, node: process.version },
    append_entries_per_s: round(appendPerSec, 1),
    at,
    ratio_big_over_small: {
      status_cold: ratio('status_cold_ms'),
      unwind_plan_cold: ratio('unwind_plan_cold_ms'),
      status_warm: ratio('status_warm_ms'),
      unwind_plan_warm: ratio('unwind_plan_warm_ms'),
      cold_open: ratio('cold_open_ms'),
      target: '<= 1.5 for the reads',
    },
    cold_open_ms_at_largest: big.cold_open_ms,
  };
}
