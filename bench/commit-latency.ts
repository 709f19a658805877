/**
 * Commit → first step in a real `orbit daemon` watching a local repository, per checkout (this
 * one, and those of ORBIT_BENCH_BASELINE, interleaved commit by commit): from `git commit`
 * returning to the first step's process running (the step touches a file; its mtime is the
 * moment), median over commits. Each sample is broken into parts from the daemon's debug log
 * (pino's `time`, the same wall clock): detection (the commit to the round's `sync requested`),
 * to `deploy-started` in the log (reading the commits, loading the config, deciding, the first
 * append), to `step-started` (the step's intent), then to the step's process (the spawn).
 *
 * Env: ORBIT_BENCH_LATENCY_SERVICES (services in the repository, default 1,100; the commits
 * change one of them), ORBIT_BENCH_COMMITS (10), ORBIT_BENCH_SCALE_LIMIT_S (per wait, 600),
 * ORBIT_BENCH_BASELINE.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, watch } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigRepo } from '../test/support/config-repo.js';
import { startDaemonProcess, type DaemonProcess } from './daemon-process.js';
import { describeCheckouts, orbitCheckouts, type OrbitCheckout } from './orbit-checkouts.js';
import { median, round } from './stats.js';

const LATENCY_PLAN = (marks: string): string => `variable "version" {}
step {
  name    = "mark"
  agent   = "exec"
  forward = ["touch", "${marks}/v\${var.version}"]
  reverse = ["true"]
}
`;

/** One step that runs `true` each way: the services beside the measured one (scale.ts's too). */
export const NOOP_PLAN = `variable "version" {}
step {
  name    = "noop"
  agent   = "exec"
  forward = ["true"]
  reverse = ["true"]
}
`;

/** Wall clock in ms with sub-ms resolution (comparable with file mtimes and pino's `time`). */
const wallNow = (): number => performance.timeOrigin + performance.now();

interface LogLine {
  time: number;
  msg?: string;
  event?: string;
  reason?: string;
  deployment?: string;
}

/** The daemon's JSON log lines, as they arrive. */
function logLines(d: DaemonProcess): LogLine[] {
  const lines: LogLine[] = [];
  let buf = '';
  d.child.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  return lines;
}

interface Parts {
  detect_ms: number;
  to_deploy_started_ms: number;
  to_step_started_ms: number;
  to_process_ms: number;
}

/** The parts of one sample, from the log lines written after the commit. */
function partsOf(lines: LogLine[], from: number, t0: number, stepAt: number, deployId: string): Parts | null {
  const after = lines.slice(from);
  const requested = after.find((l) => l.msg === 'sync requested' && l.reason === 'ref change');
  const deployStarted = after.find((l) => l.event === 'deploy-started' && l.deployment === deployId);
  const stepStarted = after.find((l) => l.event === 'step-started' && l.deployment === deployId);
  if (!requested || !deployStarted || !stepStarted) return null;
  return {
    detect_ms: requested.time - t0,
    to_deploy_started_ms: deployStarted.time - requested.time,
    to_step_started_ms: stepStarted.time - deployStarted.time,
    to_process_ms: stepAt - stepStarted.time,
  };
}

const medianParts = (ps: Parts[]): Record<string, number> | null =>
  ps.length
    ? Object.fromEntries(
        (Object.keys(ps[0]!) as Array<keyof Parts>).map((k) => [k, round(median(ps.map((p) => p[k])), 1)]),
      )
    : null;

/** Commit → the first step's process running, through a real daemon per checkout, interleaved. */
export async function commitToFirstStep(
  checkouts: OrbitCheckout[],
  commits: number,
  limitMs: number,
  services = 1,
) {
  const setups = checkouts.map((c) => {
    const marks = mkdtempSync(path.join(os.tmpdir(), 'orbit-bench-marks-'));
    const repo = new ConfigRepo('orbit-bench-latency-');
    const files: Record<string, string> = {
      'services/bench/deploy.hcl': LATENCY_PLAN(marks),
      'services/bench/values.hcl': 'version = "0"\n',
    };
    for (let i = 1; i < services; i++) {
      files[`services/s${i}/deploy.hcl`] = NOOP_PLAN;
      files[`services/s${i}/values.hcl`] = 'version = "1"\n';
    }
    repo.commit(files);
    return { c, marks, repo, samples: [] as number[], parts: [] as Parts[], failure: null as string | null };
  });
  const daemons = await Promise.all(
    setups.map((s) =>
      startDaemonProcess(s.c.bin, s.repo.dir, ['--poll-interval', '1h', '--log-level', 'debug']),
    ),
  );
  const logs = daemons.map(logLines);
  const until = async (what: string, test: () => Promise<boolean>) => {
    const end = performance.now() + limitMs;
    while (!(await test())) {
      if (performance.now() > end) throw new Error(`time limit reached waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    // Deployment n (svc `bench`, id bench-n) is done: current, nothing in flight.
    const done = (i: number, n: number) => async () => {
      const body = (await daemons[i]!.get('/api/services')) as {
        services: Array<{ service: string; current: { id: string } | null; in_flight: string | null }>;
      };
      const row = body.services.find((s) => s.service === 'bench');
      return row?.current?.id === `bench-${n}` && row.in_flight === null;
    };
    // Every service deployed once, so no commit waits behind the first run's deployments.
    const settled = (i: number) => async () => {
      const body = (await daemons[i]!.get('/api/services')) as {
        services: Array<{ current: { id: string } | null; in_flight: string | null }>;
      };
      return (
        body.services.length === services && body.services.every((s) => s.current && s.in_flight === null)
      );
    };
    for (let i = 0; i < setups.length; i++)
      await until('the first deployments', settled(i)).catch((e: Error) => (setups[i]!.failure = e.message));
    for (let n = 1; n <= commits; n++) {
      for (let i = 0; i < setups.length; i++) {
        const s = setups[i]!;
        if (s.failure) continue;
        try {
          const file = path.join(s.marks, `v${n}`);
          let seen: () => void = () => {};
          const appeared = new Promise<void>((resolve) => (seen = resolve));
          const watcher = watch(s.marks, (_event, name) => {
            if (name === `v${n}`) seen();
          });
          try {
            s.repo.write('services/bench/values.hcl', `version = "${n}"\n`);
            s.repo.git('add', '-A');
            const from = logs[i]!.length;
            s.repo.git('commit', '-q', '-m', `version ${n}`);
            const t0 = wallNow();
            if (existsSync(file)) seen(); // faster than the watcher's start
            const limit = new Promise<never>((_, reject) =>
              setTimeout(
                () => reject(new Error('time limit reached waiting for the first step')),
                limitMs,
              ).unref(),
            );
            await Promise.race([appeared, limit]);
            const stepAt = statSync(file).mtimeMs;
            s.samples.push(stepAt - t0);
            await until(`deployment bench-${n + 1}`, done(i, n + 1));
            const parts = partsOf(logs[i]!, from, t0, stepAt, `bench-${n + 1}`);
            if (parts) s.parts.push(parts);
          } finally {
            watcher.close();
          }
        } catch (e) {
          s.failure = (e as Error).message;
        }
      }
    }
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    for (const s of setups) {
      s.repo.remove();
      rmSync(s.marks, { recursive: true, force: true });
    }
  }
  return Object.fromEntries(
    setups.map((s) => [
      s.c.name,
      {
        commits: s.samples.length,
        median_commit_to_first_step_ms: s.samples.length ? round(median(s.samples), 1) : null,
        max_commit_to_first_step_ms: s.samples.length ? round(Math.max(...s.samples), 1) : null,
        median_parts_ms: medianParts(s.parts),
        failure: s.failure,
      },
    ]),
  );
}

export async function commitLatency(): Promise<Record<string, unknown>> {
  const sizes = (process.env.ORBIT_BENCH_LATENCY_SERVICES ?? '1,100').split(',').map(Number);
  const commits = Number(process.env.ORBIT_BENCH_COMMITS ?? 10);
  const limitMs = Number(process.env.ORBIT_BENCH_SCALE_LIMIT_S ?? 600) * 1000;
  const checkouts = orbitCheckouts();
  const results: Record<string, unknown> = {};
  for (const services of sizes)
    results[String(services)] = await commitToFirstStep(checkouts, commits, limitMs, services);
  return {
    benchmark: 'commit-latency',
    orbit_checkouts: describeCheckouts(checkouts),
    load_average: os.loadavg().map((x) => round(x, 2)),
    git: execFileSync('git', ['--version'], { encoding: 'utf8' }).trim(),
    by_services: results,
    target_ms: 40,
  };
}
