/**
 * The daemon: (1) latency from `git commit` on a watched local repository to the first step of
 * the deployment it starts (the engine's observe hook sees `step-started`, written just before
 * the agent runs), median over repeated commits; (2) for each number of services, a real
 * `orbit daemon` process holding a log where each has one deployment: its resident memory after
 * start, `GET /api/services` (status of every service: the first answer, then the median of
 * repeated ones), then while 20 deployments run at once (one commit touching 20 services, each a
 * `sleep`; `--max-parallel 20`): the peak resident memory and the median `GET /api/services`;
 * (3) once the daemon stopped, `orbit status --json` as a person runs it without a daemon (a whole
 * process: the bundle `npm run build` makes when it is fresh, else the TypeScript sources through
 * tsx) and the same status computed in this process by a read-only engine.
 *
 * Env: ORBIT_BENCH_COMMITS (default 10), ORBIT_BENCH_SERVICES (default `1000,10000`: a list),
 * ORBIT_BENCH_AT_ONCE (default 20), ORBIT_BENCH_REPEAT (default 10), ORBIT_BENCH_SEED (`snapshot`,
 * the default: the log written as one commit, bench/seeded-state.ts; `engine`: a real first
 * `orbit reconcile` of every service, which takes many minutes at 1,000 services).
 * ORBIT_BENCH_BASELINE (bench/orbit-checkouts.ts): part (2) and (3) run each checkout's
 * `bin/orbit.js` in turn, ORBIT_BENCH_ROUNDS rounds (default 1), each on a freshly seeded
 * repository; part (1) runs in this process, on this checkout only. ORBIT_BENCH_DAEMON_NODE_ARGS:
 * extra node flags for the daemon process (`--cpu-prof --cpu-prof-dir=DIR`, `--heapsnapshot-signal=SIGUSR2`).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDaemon } from '../src/daemon/daemon.js';
import { createLogger } from '../src/daemon/logger.js';
import { resolveSettings } from '../src/daemon/settings.js';
import { openEngine } from '../src/engine/open.js';
import type { LogEntry } from '../src/state/types.js';
import { runNode } from '../test/support/cli.js';
import { ConfigRepo } from '../test/support/config-repo.js';
import { describeCheckouts, orbitCheckouts, type OrbitCheckout } from './orbit-checkouts.js';
import { seedState } from './seeded-state.js';
import { median, round } from './stats.js';

/** One step; `hold` seconds long (0 unless the values say otherwise). */
const PLAN = `variable "version" {}
variable "hold" {
  default = "0"
}
step {
  name    = "noop"
  agent   = "exec"
  forward = ["sleep", var.hold]
  reverse = ["true"]
}
`;

async function commitLatency(commits: number): Promise<Record<string, unknown>> {
  const repo = new ConfigRepo('orbit-bench-daemon-');
  repo.commit({ 'services/bench/deploy.hcl': PLAN, 'services/bench/values.hcl': 'version = "0"\n' });
  const waiters = new Map<string, (t: number) => void>();
  const settings = resolveSettings({ repo: repo.dir, listen: '127.0.0.1:0', 'poll-interval': '1h' }, {});
  const daemon = await startDaemon(settings, {
    logger: createLogger({ level: 'silent' }),
    env: {},
    observe: (e: LogEntry) => {
      const t = performance.now();
      if (e.kind === 'step-started' && e.deploy_id) waiters.get(`start:${e.deploy_id}`)?.(t);
      if ((e.kind === 'deploy-succeeded' || e.kind === 'deploy-unwound') && e.deploy_id)
        waiters.get(`done:${e.deploy_id}`)?.(t);
    },
  });
  const when = (key: string) => new Promise<number>((resolve) => waiters.set(key, resolve));
  try {
    await daemon.sync.trigger('bench');
    await daemon.engine.idle();
    const afterCommit: number[] = [];
    const gitCommit: number[] = [];
    for (let i = 1; i <= commits; i++) {
      const id = `bench-${i + 1}`;
      const started = when(`start:${id}`);
      const done = when(`done:${id}`);
      const t0 = performance.now();
      repo.commit({ 'services/bench/values.hcl': `version = "${i}"\n` });
      const t1 = performance.now();
      const tStep = await started;
      await done;
      gitCommit.push(t1 - t0);
      afterCommit.push(tStep - t1);
    }
    return {
      commits,
      median_commit_to_first_step_ms: round(median(afterCommit), 1),
      max_commit_to_first_step_ms: round(Math.max(...afterCommit), 1),
      median_git_commit_ms: round(median(gitCommit), 1),
      target_ms: 500,
    };
  } finally {
    await daemon.stop();
    repo.remove();
  }
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export type Seed = 'snapshot' | 'engine';

/**
 * A repository of `services` services, each with one deployment of the one config commit (a
 * no-op exec step): the log a daemon's status reads. `engine` makes them through a real first
 * reconcile; `snapshot` writes what that leaves as one state commit (bench/seeded-state.ts).
 */
export async function seededRepo(
  services: number,
  prefix: string,
  seed: Seed = 'engine',
): Promise<{ repo: ConfigRepo; historyMs: number; deployed: number; seed: Seed }> {
  const repo = new ConfigRepo(prefix);
  const files: Record<string, string> = {};
  const names: string[] = [];
  for (let i = 0; i < services; i++) {
    names.push(`s${i}`);
    files[`services/s${i}/deploy.hcl`] = PLAN;
    files[`services/s${i}/values.hcl`] = 'version = "1"\n';
  }
  const commit = repo.commit(files);
  const t = performance.now();
  if (seed === 'snapshot') {
    await seedState(path.join(repo.dir, '.git'), names, commit);
    return { repo, historyMs: performance.now() - t, deployed: services, seed };
  }
  const engine = await openEngine({ repoDir: repo.dir, env: {}, maxParallel: 16 });
  const report = await engine.reconcile();
  await engine.close();
  const deployed = report.outcomes.filter((o) => o.status === 'succeeded').length;
  return { repo, historyMs: performance.now() - t, deployed, seed };
}

interface ServicesAnswer {
  services: Array<{
    service: string;
    in_flight: string | null;
    current: { id: string; status: string } | null;
  }>;
}

/** Whether `orbit` runs the bundle (fresh: newer than every source file) or the sources through tsx. */
function cliRuns(bin: string): 'bundle' | 'tsx' {
  const root = path.resolve(path.dirname(bin), '..');
  const bundle = path.join(root, 'dist', 'orbit.mjs');
  const newest = (dir: string): number =>
    Math.max(
      statSync(dir).mtimeMs,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs,
      ),
    );
  return existsSync(bundle) && statSync(bundle).mtimeMs >= newest(path.join(root, 'src')) ? 'bundle' : 'tsx';
}

const timed = async <T>(f: () => Promise<T>): Promise<[number, T]> => {
  const t = performance.now();
  const v = await f();
  return [performance.now() - t, v];
};

/** A real `orbit daemon` process on the repository; resolves once its first poll is done. */
async function spawnDaemon(bin: string, repoDir: string, atOnce: number) {
  const nodeArgs = (process.env.ORBIT_BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      bin,
      'daemon',
      '--repo',
      repoDir,
      '--listen',
      '127.0.0.1:0',
      '--max-parallel',
      String(atOnce),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ORBIT_TOKEN: 'bench' } },
  );
  const exited = new Promise((r) => child.once('exit', r));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`daemon exited ${code}`)));
  });
  for (;;) {
    const h = (await (await fetch(`${url}/healthz`)).json()) as { sync: { last_poll: string | null } };
    if (h.sync.last_poll) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // Reads need a role: the (deprecated) shared token is one admin.
  const get = async (): Promise<[number, ServicesAnswer, number]> => {
    const t = performance.now();
    const res = await fetch(`${url}/api/services`, { headers: { authorization: 'Bearer bench' } });
    const text = await res.text();
    const ms = performance.now() - t;
    if (!res.ok) throw new Error(`GET /api/services: ${res.status} ${text.slice(0, 200)}`);
    return [ms, JSON.parse(text) as ServicesAnswer, text.length];
  };
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  return { child, url, get, stop };
}

/**
 * `atOnce` services get a commit that deploys them for `holdS` seconds each, all at once; while
 * they run, resident memory and `GET /api/services` are sampled until every one has succeeded.
 */
async function deploymentsAtOnce(
  repo: ConfigRepo,
  daemon: Awaited<ReturnType<typeof spawnDaemon>>,
  atOnce: number,
  holdS: number,
): Promise<Record<string, unknown>> {
  const files: Record<string, string> = {};
  for (let i = 0; i < atOnce; i++) files[`services/s${i}/values.hcl`] = `version = "2"\nhold = "${holdS}"\n`;
  const t0 = performance.now();
  repo.commit(files, `${atOnce} deployments at once`);
  const ms: number[] = [];
  let peakRss = rssOf(daemon.child.pid!);
  let peakInFlight = 0;
  for (;;) {
    const [t, answer] = await daemon.get();
    ms.push(t);
    peakRss = Math.max(peakRss, rssOf(daemon.child.pid!));
    const mine = answer.services.filter(
      (s) => /^s\d+$/.test(s.service) && Number(s.service.slice(1)) < atOnce,
    );
    peakInFlight = Math.max(peakInFlight, mine.filter((s) => s.in_flight).length);
    if (mine.every((s) => s.current?.id === `${s.service}-2` && s.current.status === 'succeeded')) break;
    if (performance.now() - t0 > 600_000) throw new Error('the deployments did not finish in 10 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    deployments: atOnce,
    step_s: holdS,
    all_succeeded_after_s: round((performance.now() - t0) / 1000, 1),
    most_in_flight_seen: peakInFlight,
    rss_peak_mb: round(peakRss, 1),
    services_api_median_ms: round(median(ms), 1),
    services_api_max_ms: round(Math.max(...ms), 1),
    services_api_samples: ms.length,
  };
}

async function atScale(bin: string, services: number, seed: Seed, repeat: number, atOnce: number) {
  const { repo, historyMs, deployed, seed: used } = await seededRepo(services, 'orbit-bench-mem-', seed);
  try {
    const [startMs, daemon] = await timed(() => spawnDaemon(bin, repo.dir, atOnce));
    let daemonPart: Record<string, unknown>;
    try {
      const rssStarted = rssOf(daemon.child.pid!);
      const [firstMs, body, bytes] = await daemon.get();
      const again: number[] = [];
      for (let i = 0; i < repeat; i++) again.push((await daemon.get())[0]);
      const rssAfterStatus = rssOf(daemon.child.pid!);
      daemonPart = {
        daemon_start_to_first_poll_ms: round(startMs, 1),
        rss_after_start_mb: round(rssStarted, 1),
        services_api_first_ms: round(firstMs, 1),
        services_api_median_ms: round(median(again), 1),
        services_api_max_ms: round(Math.max(...again), 1),
        services_api_bytes: bytes,
        services_returned: body.services.length,
        rss_after_status_mb: round(rssAfterStatus, 1),
        at_once: await deploymentsAtOnce(repo, daemon, atOnce, 3),
      };
    } finally {
      await daemon.stop();
    }
    // Without a daemon: what a person's `orbit status` costs, whole, and its status part alone.
    const cli: number[] = [];
    for (let i = 0; i < Math.min(repeat, 5); i++) {
      const [ms, r] = await timed(() => runNode([bin, 'status', '--json', '--repo', repo.dir]));
      if (r.code !== 0) throw new Error(`orbit status: ${r.stderr}`);
      cli.push(ms);
    }
    const engine = await openEngine({ repoDir: repo.dir, env: {}, readOnly: true });
    const inProcess: number[] = [];
    try {
      for (let i = 0; i < Math.min(repeat, 5); i++) inProcess.push((await timed(() => engine.status()))[0]);
    } finally {
      await engine.close();
    }
    return {
      services,
      seed: used,
      deployed,
      history_build_s: round(historyMs / 1000, 1),
      ...daemonPart,
      cli_status: {
        runs: cliRuns(bin),
        median_ms: round(median(cli), 1),
        max_ms: round(Math.max(...cli), 1),
      },
      engine_status_in_process_median_ms: round(median(inProcess), 1),
    };
  } finally {
    repo.remove();
  }
}

export async function daemonBench(): Promise<Record<string, unknown>> {
  const commits = Number(process.env.ORBIT_BENCH_COMMITS ?? 10);
  const sizes = (process.env.ORBIT_BENCH_SERVICES ?? '1000,10000').split(',').map(Number);
  const seed = (process.env.ORBIT_BENCH_SEED ?? 'snapshot') as Seed;
  const repeat = Number(process.env.ORBIT_BENCH_REPEAT ?? 10);
  const atOnce = Number(process.env.ORBIT_BENCH_AT_ONCE ?? 20);
  const rounds = Number(process.env.ORBIT_BENCH_ROUNDS ?? 1);
  const checkouts = orbitCheckouts();
  const scale: Array<Record<string, unknown>> = [];
  for (const n of sizes)
    for (let round = 1; round <= rounds; round++)
      for (const c of checkouts)
        scale.push({ checkout: c.name, round, ...(await atScale(c.bin, n, seed, repeat, atOnce)) });
  return {
    benchmark: 'daemon',
    checkouts: describeCheckouts(checkouts),
    latency: commits > 0 ? await commitLatency(commits) : null,
    scale,
    ratios: ratios(checkouts, sizes, scale),
    targets: {
      services_api_ms: { 1000: 10, 10000: 50 },
      cli_status_ms_10000: 300,
      rss_mb: { 1000: 150, 10000: 250 },
    },
  };
}

/** Medians over rounds of each checkout's figures, and each baseline's over this checkout's. */
function ratios(
  checkouts: readonly OrbitCheckout[],
  sizes: readonly number[],
  scale: ReadonlyArray<Record<string, unknown>>,
): Record<string, unknown> {
  const pick: Record<string, (r: Record<string, unknown>) => number> = {
    services_api_median_ms: (r) => r.services_api_median_ms as number,
    services_api_at_once_median_ms: (r) => (r.at_once as Record<string, number>).services_api_median_ms!,
    rss_after_status_mb: (r) => r.rss_after_status_mb as number,
    rss_peak_at_once_mb: (r) => (r.at_once as Record<string, number>).rss_peak_mb!,
    cli_status_median_ms: (r) => (r.cli_status as Record<string, number>).median_ms!,
  };
  const out: Record<string, unknown> = {};
  for (const n of sizes) {
    const med: Record<string, Record<string, number>> = {};
    for (const c of checkouts) {
      const rows = scale.filter((r) => r.checkout === c.name && r.services === n);
      med[c.name] = Object.fromEntries(
        Object.entries(pick).map(([k, f]) => [k, round(median(rows.map(f)), 1)]),
      );
    }
    const mine = med.orbit;
    const over: Record<string, Record<string, number>> = {};
    if (mine)
      for (const c of checkouts.filter((x) => x.name !== 'orbit'))
        over[`orbit_over_${c.name}`] = Object.fromEntries(
          Object.keys(pick).map((k) => [k, round(mine[k]! / med[c.name]![k]!, 2)]),
        );
    out[n] = { medians: med, ...over };
  }
  return out;
}
