/**
 * Orbit with many services, through the real CLI of each checkout (this one, and those of
 * ORBIT_BENCH_BASELINE, interleaved):
 *   1. the first `orbit reconcile` of S services, one exec `true` step each, under
 *      `ulimit -n 1024`: its time, whether it completes (exit 0 and every service deployed), how it
 *      failed if not, and the growth from the smallest to the largest S (10 is linear);
 *   2. `orbit status --json` on the repository that reconcile left, median of repeated runs: read
 *      from git (no daemon), and through a running `orbit daemon` (the CLI holds a token, so it
 *      asks the daemon's API, whose projection is in memory; its first answer after the start
 *      apart);
 *   3. commit → first step on a local repository: a real `orbit daemon` watching it, and a step
 *      whose action creates a file the benchmark watches for, median over commits.
 * A time limit per command keeps a crawling or hanging run from stopping the benchmark: it is
 * recorded as not completed.
 *
 * Env: ORBIT_BENCH_SCALE_SERVICES (default 1000,10000), ORBIT_BENCH_NOFILE (1024),
 * ORBIT_BENCH_SCALE_LIMIT_S (per command, default 600), ORBIT_BENCH_STATUS_ROUNDS (3),
 * ORBIT_BENCH_COMMITS (10), ORBIT_BENCH_BASELINE. Part 3 alone, with its parts and more services: the
 * `commit-latency` benchmark.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import { ConfigRepo } from '../test/support/config-repo.js';
import { NOOP_PLAN, commitToFirstStep } from './commit-latency.js';
import { DAEMON_TOKEN, startDaemonProcess } from './daemon-process.js';
import { describeCheckouts, orbitCheckouts, type OrbitCheckout } from './orbit-checkouts.js';
import { median, round } from './stats.js';
import { failureOf, timed } from './timed-process.js';

const list = (spec: string | undefined, fallback: string): number[] =>
  (spec ?? fallback).split(',').map(Number);

const cliEnv = (): NodeJS.ProcessEnv => {
  const { FORCE_COLOR: _ignored, ...rest } = process.env;
  return { ...rest, NO_COLOR: '1' };
};

/** One commit of `services` services: the first commit Orbit sees. */
function servicesRepo(services: number): ConfigRepo {
  const repo = new ConfigRepo('orbit-bench-scale-');
  const files: Record<string, string> = {};
  for (let i = 0; i < services; i++) {
    files[`services/s${i}/deploy.hcl`] = NOOP_PLAN;
    files[`services/s${i}/values.hcl`] = 'version = "1"\n';
  }
  repo.commit(files, `${services} services`);
  return repo;
}

interface StatusRow {
  current: { id: string } | null;
}

async function status(checkout: OrbitCheckout, dir: string, limitMs: number, env = cliEnv()) {
  const run = await timed([process.execPath, checkout.bin, 'status', '--json', '--repo', dir], {
    env,
    timeoutMs: limitMs,
  });
  const failure = failureOf(run);
  const rows = failure ? null : (JSON.parse(run.stdout) as StatusRow[]);
  return { run, failure, rows };
}

async function firstReconcile(
  checkouts: OrbitCheckout[],
  sizes: number[],
  nofile: number,
  limitMs: number,
  statusRounds: number,
) {
  const out: Record<string, Record<string, unknown>> = Object.fromEntries(checkouts.map((c) => [c.name, {}]));
  for (const services of sizes) {
    const seed = servicesRepo(services);
    const dirs = new Map<string, string>();
    try {
      for (const c of checkouts) {
        const dir = `${seed.dir}-${c.name}`;
        execFileSync('cp', ['-a', seed.dir, dir]);
        dirs.set(c.name, dir);
      }
      const reconciled: Record<string, { ms: number; failure: string | null }> = {};
      for (const c of checkouts) {
        // Both limits: Node raises a soft limit to the hard one as it starts.
        const run = await timed(
          [
            'sh',
            '-c',
            `ulimit -n ${nofile} && exec "$0" "$@"`,
            process.execPath,
            c.bin,
            'reconcile',
            '--repo',
            dirs.get(c.name)!,
          ],
          { env: cliEnv(), timeoutMs: limitMs },
        );
        reconciled[c.name] = { ms: run.ms, failure: failureOf(run) };
      }
      const statusMs = new Map<string, number[]>(checkouts.map((c) => [c.name, []]));
      const statusOf = new Map<string, { failure: string | null; listed: number; deployed: number }>();
      for (let r = 0; r < statusRounds; r++) {
        for (const c of checkouts) {
          if (statusOf.get(c.name)?.failure) continue;
          const s = await status(c, dirs.get(c.name)!, limitMs);
          statusMs.get(c.name)!.push(s.run.ms);
          statusOf.set(c.name, {
            failure: s.failure,
            listed: s.rows?.length ?? 0,
            deployed: s.rows?.filter((row) => row.current !== null).length ?? 0,
          });
        }
      }
      const viaDaemon = new Map<string, Awaited<ReturnType<typeof statusThroughDaemon>>>();
      for (const c of checkouts)
        if (!statusOf.get(c.name)?.failure)
          viaDaemon.set(c.name, await statusThroughDaemon(c, dirs.get(c.name)!, limitMs, statusRounds));
      for (const c of checkouts) {
        const rec = reconciled[c.name]!;
        const st = statusOf.get(c.name)!;
        const d = viaDaemon.get(c.name);
        out[c.name]![String(services)] = {
          reconcile_ms: round(rec.ms, 0),
          completed: rec.failure === null && st.deployed === services,
          reconcile_failure: rec.failure,
          deployed: st.deployed,
          status_ms: st.failure ? null : round(median(statusMs.get(c.name)!), 0),
          status_failure: st.failure,
          status_services_listed: st.listed,
          status_through_daemon_first_ms: d?.first ?? null,
          status_through_daemon_ms: d?.median ?? null,
          status_through_daemon_failure: d?.failure ?? null,
        };
      }
    } finally {
      seed.remove();
      for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
    }
  }
  // Growth of the first reconcile from the smallest to the largest size, when both completed.
  const lo = String(sizes[0]);
  const hi = String(sizes[sizes.length - 1]);
  for (const c of checkouts) {
    const a = out[c.name]![lo] as { completed: boolean; reconcile_ms: number } | undefined;
    const b = out[c.name]![hi] as { completed: boolean; reconcile_ms: number } | undefined;
    out[c.name]!.reconcile_growth =
      a?.completed && b?.completed && lo !== hi ? round(b.reconcile_ms / a.reconcile_ms, 2) : null;
  }
  return out;
}

/** `orbit status --json` as a person with a token runs it while the daemon runs: answered by its API. */
async function statusThroughDaemon(checkout: OrbitCheckout, dir: string, limitMs: number, rounds: number) {
  let daemon;
  try {
    daemon = await startDaemonProcess(checkout.bin, dir);
  } catch (err) {
    return { first: null, median: null, failure: `daemon: ${(err as Error).message}` };
  }
  try {
    const env = { ...cliEnv(), ORBIT_TOKEN: DAEMON_TOKEN };
    const ms: number[] = [];
    for (let r = 0; r <= rounds; r++) {
      const s = await status(checkout, dir, limitMs, env);
      if (s.failure) return { first: null, median: null, failure: s.failure };
      ms.push(s.run.ms);
    }
    return { first: round(ms[0]!, 0), median: round(median(ms.slice(1)), 0), failure: null };
  } finally {
    await daemon.stop();
  }
}

export async function scaleBench(): Promise<Record<string, unknown>> {
  const sizes = list(process.env.ORBIT_BENCH_SCALE_SERVICES, '1000,10000').sort((a, b) => a - b);
  const nofile = Number(process.env.ORBIT_BENCH_NOFILE ?? 1024);
  const limitMs = Number(process.env.ORBIT_BENCH_SCALE_LIMIT_S ?? 600) * 1000;
  const statusRounds = Number(process.env.ORBIT_BENCH_STATUS_ROUNDS ?? 3);
  const commits = Number(process.env.ORBIT_BENCH_COMMITS ?? 10);
  const checkouts = orbitCheckouts();
  return {
    benchmark: 'scale',
    orbit_checkouts: describeCheckouts(checkouts),
    load_average: os.loadavg().map((x) => round(x, 2)),
    ulimit_nofile: nofile,
    time_limit_s: limitMs / 1000,
    first_reconcile_and_status: await firstReconcile(checkouts, sizes, nofile, limitMs, statusRounds),
    commit_to_first_step: await commitToFirstStep(checkouts, commits, limitMs),
    targets: {
      first_reconcile: 'completes at every size, growth ≈ 10 from 1,000 to 10,000',
      status_ms: { 10000: 300 },
      commit_to_first_step_ms: 40,
    },
  };
}
