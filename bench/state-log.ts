import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import * as os from 'node:os';
import * as path from 'node:path';
import { newEntry, openStateLog, type LogEntry, type OrbitStateLog } from '../src/state/index.js';
import { buildSyntheticHistory } from './state-history.js';
import { stateServices } from './state-services.js';
import { median, round } from './stats.js';

/**
 * The activity log's costs: append latency (against DESIGN §7's yardstick, a raw isomorphic-git
 * commit, measured in the same run) and throughput; the status (service view) and unwind-plan
 * reads, cold (a fresh open) and warm, at 1,000 and 100,000 entries of history; the first append
 * after a restart to a deployment whose last entry is far back (its `Orbit-Previous-Entry` must
 * not cost a walk of history); `history({ service, limit: 20 })`; plus the cold open itself.
 * `ORBIT_BENCH_SIZES=1000,20000` changes the sizes. `services_scale`: appends to logs of many
 * services, and the files each creates, beside a baseline checkout (see state-services.ts).
 */

function tempRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-bench-'));
  execFileSync('git', ['init', '-q', '--bare', dir]);
  return dir;
}

const ms = (t0: number): number => performance.now() - t0;
function entry(kind: LogEntry['kind'], service: string, id: string, extra: Partial<LogEntry> = {}): LogEntry {
  return newEntry(kind, service, new Date(), {
    deploy_id: id,
    step_count: 4,
    config_commit: 'f'.repeat(40),
    author: 'Bench <bench@example.com>',
    values: { version: '1' },
    ...extra,
  });
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

const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? NaN;

/** DESIGN §7's yardstick: one isomorphic-git commit (blob + tree + commit + ref) with plain `fs`. */
async function rawIsomorphicGitCommit(gitdir: string, parent: string | null, i: number): Promise<string> {
  const blob = await git.writeBlob({ fs, gitdir, blob: Buffer.from(`{"entry": ${i}}\n`) });
  const tree = await git.writeTree({
    fs,
    gitdir,
    tree: [{ mode: '100644', path: 'entry.json', oid: blob, type: 'blob' }],
  });
  const who = { name: 'Bench', email: 'bench@example.com', timestamp: 1_700_000_000 + i, timezoneOffset: 0 };
  const commit = await git.writeCommit({
    fs,
    gitdir,
    commit: { message: `entry ${i}\n`, tree, parent: parent ? [parent] : [], author: who, committer: who },
  });
  await git.writeRef({ fs, gitdir, ref: 'refs/heads/raw', value: commit, force: true });
  return commit;
}

/**
 * Per-append latency as the engine sees it (an intent and a result per step, interleaved with
 * deployment starts and ends), alternating rounds with raw isomorphic-git commits so that the
 * machine's noise falls on both alike.
 */
async function appendLatency(rounds = 12, stepsPerRound = 10): Promise<Record<string, number>> {
  const rawDir = tempRepo();
  const logDir = tempRepo();
  const log = await openStateLog({ dir: logDir });
  await appendThroughput(log, 3, 'warm');
  let parent: string | null = null;
  let k = 0;
  for (let i = 0; i < 20; i++) parent = await rawIsomorphicGitCommit(rawDir, parent, k++);
  const raw: number[] = [];
  const step: number[] = [];
  const all: number[] = [];
  const timed = async (e: LogEntry, into: number[][]): Promise<void> => {
    const t0 = performance.now();
    await log.append(e);
    const t = ms(t0);
    for (const xs of into) xs.push(t);
  };
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < stepsPerRound * 2 + 2; i++) {
      const t0 = performance.now();
      parent = await rawIsomorphicGitCommit(rawDir, parent, k++);
      raw.push(ms(t0));
    }
    const service = `lat${r % 3}`;
    const id = `${service}-${100 + r}`;
    const count = { step_count: stepsPerRound };
    await timed(entry('deploy-started', service, id, count), [all]);
    for (let i = 0; i < stepsPerRound; i++) {
      const s = { ...count, step_index: i, step_name: `s${i}` };
      await timed(entry('step-started', service, id, s), [all, step]);
      await timed(
        entry('step-applied', service, id, { ...s, exit_code: 0, duration_ms: 3, log: 'ok\n'.repeat(20) }),
        [all, step],
      );
    }
    await timed(entry('deploy-succeeded', service, id, count), [all]);
  }
  await log.close();
  execFileSync('git', ['--git-dir', logDir, 'fsck', '--full', '--strict', '--no-dangling'], {
    stdio: 'ignore',
  });
  fs.rmSync(rawDir, { recursive: true, force: true });
  fs.rmSync(logDir, { recursive: true, force: true });
  return {
    append_median_ms: round(median(all), 3),
    append_p90_ms: round(p90(all), 3),
    step_append_median_ms: round(median(step), 3),
    raw_isomorphic_git_commit_median_ms: round(median(raw), 3),
    raw_isomorphic_git_commit_p90_ms: round(p90(raw), 3),
    append_over_raw_commit: round(median(all) / median(raw), 2),
  };
}

interface Built {
  dir: string;
  hist: Awaited<ReturnType<typeof buildSyntheticHistory>>;
}

/**
 * After a restart (a fresh open), the first entry of a deployment whose last entry is at the
 * start of history, as when unwinding a deployment that succeeded `size` entries ago: its
 * `Orbit-Previous-Entry` must be found without walking history. Rounds alternate between the
 * sizes so that the machine's noise falls on all of them alike.
 */
async function unwindAppendAfterRestart(built: Built[], rounds = 9): Promise<number[]> {
  const samples = built.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, { dir, hist }] of built.entries()) {
      const far = hist.oldest[r];
      if (!far) continue;
      const w = await openStateLog({ dir });
      const service = far.deploy.slice(0, far.deploy.lastIndexOf('-'));
      const t0 = performance.now();
      const sha = await w.append(entry('unwind-started', service, far.deploy, { reason: 'user' }));
      samples[i]?.push(ms(t0));
      await w.close();
      const prev = execFileSync(
        'git',
        ['--git-dir', dir, 'log', '-1', '--format=%(trailers:key=Orbit-Previous-Entry,valueonly)', sha],
        { encoding: 'utf8' },
      ).trim();
      if (prev !== far.lastEntry)
        throw new Error(`${far.deploy}: Orbit-Previous-Entry ${prev}, expected ${far.lastEntry}`);
    }
  }
  return samples.map((xs) => round(median(xs), 3));
}

async function measureAt(size: number, built: Built[]): Promise<Record<string, unknown>> {
  const dir = tempRepo();
  const tBuild = performance.now();
  const hist = await buildSyntheticHistory(dir, size);
  const buildMs = ms(tBuild);
  built.push({ dir, hist });
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

  // One service's newest 20 entries: must stop after 20, not walk the whole history.
  const historyMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const reader = await openStateLog({ dir, readOnly: true });
    const t0 = performance.now();
    let n = 0;
    for await (const h of reader.history({ service: hist.service, limit: 20 })) if (h.sha) n++;
    historyMs.push(ms(t0));
    await reader.close();
    if (n !== 20) throw new Error(`history limit 20 gave ${n}`);
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
  return {
    entries: hist.entries,
    build_ms: round(buildMs, 0),
    pack_mb: round(packBytes / 1024 / 1024, 1),
    cold_open_ms: round(median(openMs), 3),
    status_cold_ms: round(median(coldStatus), 3),
    unwind_plan_cold_ms: round(median(coldPlan), 3),
    status_warm_ms: round(warmStatus, 5),
    unwind_plan_warm_ms: round(warmPlan, 5),
    history_service_limit20_ms: round(median(historyMs), 3),
    append_on_top_entries_per_s: round(appendPerSec, 1),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const sizes = (process.env.ORBIT_BENCH_SIZES ?? '1000,100000').split(',').map(Number);
  const servicesScale = await stateServices();
  const latency = await appendLatency();
  const fresh = tempRepo();
  const log = await openStateLog({ dir: fresh });
  const appendPerSec = await appendThroughput(log, 50, 'svc');
  await log.close();
  fs.rmSync(fresh, { recursive: true, force: true });

  const at: Record<string, Record<string, unknown>> = {};
  const built: Built[] = [];
  for (const size of sizes) at[String(size)] = await measureAt(size, built);
  const unwind = await unwindAppendAfterRestart(built);
  sizes.forEach((size, i) => {
    const m = at[String(size)];
    if (m) m.unwind_append_after_restart_ms = unwind[i];
  });
  for (const b of built) fs.rmSync(b.dir, { recursive: true, force: true });
  const small = at[String(sizes[0])] ?? {};
  const big = at[String(sizes[sizes.length - 1])] ?? {};
  const ratio = (k: string): number => round(Number(big[k]) / Number(small[k]), 2);
  return {
    machine: { cpus: os.cpus().length, node: process.version },
    append_latency: latency,
    append_entries_per_s: round(appendPerSec, 1),
    at,
    ratio_big_over_small: {
      status_cold: ratio('status_cold_ms'),
      unwind_plan_cold: ratio('unwind_plan_cold_ms'),
      status_warm: ratio('status_warm_ms'),
      unwind_plan_warm: ratio('unwind_plan_warm_ms'),
      cold_open: ratio('cold_open_ms'),
      unwind_append_after_restart: ratio('unwind_append_after_restart_ms'),
      history_service_limit20: ratio('history_service_limit20_ms'),
      target: '<= 1.5 for the reads and the unwind append',
    },
    cold_open_ms_at_largest: big.cold_open_ms,
    services_scale: servicesScale,
  };
}
