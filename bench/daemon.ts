/**
 * The daemon: (1) latency from `git commit` on a watched local repository to the first step of
 * the deployment it starts (the engine's observe hook sees `step-started`, written just before
 * the agent runs), median over repeated commits; (2) the resident memory of a real
 * `orbit daemon` process holding a log with many services, after start and after
 * `GET /api/services` (status of every service).
 *
 * Env: ORBIT_BENCH_COMMITS (default 10), ORBIT_BENCH_SERVICES (default 1000).
 */
import { performance } from 'node:perf_hooks';
import { startDaemon } from '../src/daemon/daemon.js';
import { createLogger } from '../src/daemon/logger.js';
import { resolveSettings } from '../src/daemon/settings.js';
import { openEngine } from '../src/engine/open.js';
import type { LogEntry } from '../src/state/types.js';
import { ORBIT_BIN } from '../test/support/cli.js';
import { ConfigRepo } from '../test/support/config-repo.js';
import { startDaemonProcess } from './daemon-process.js';
import { median, round } from './stats.js';

const PLAN = `variable "version" {}
step {
  name    = "noop"
  agent   = "exec"
  forward = ["true"]
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

/**
 * A repository of `services` services, each with one real deployment (a no-op exec step) made
 * through the engine: the history a daemon's status reads.
 */
export async function seededRepo(
  services: number,
  prefix: string,
): Promise<{ repo: ConfigRepo; historyMs: number; deployed: number }> {
  const repo = new ConfigRepo(prefix);
  const files: Record<string, string> = {};
  for (let i = 0; i < services; i++) {
    files[`services/s${i}/deploy.hcl`] = PLAN;
    files[`services/s${i}/values.hcl`] = 'version = "1"\n';
  }
  repo.commit(files);
  const t = performance.now();
  const engine = await openEngine({ repoDir: repo.dir, env: {}, maxParallel: 16 });
  const report = await engine.reconcile();
  await engine.close();
  const deployed = report.outcomes.filter((o) => o.status === 'succeeded').length;
  return { repo, historyMs: performance.now() - t, deployed };
}

async function memory(services: number): Promise<Record<string, unknown>> {
  const { repo, historyMs, deployed: ok } = await seededRepo(services, 'orbit-bench-mem-');
  const daemon = await startDaemonProcess(ORBIT_BIN, repo.dir);
  try {
    const rssStarted = daemon.rssMb();
    let t = performance.now();
    const body = (await daemon.get('/api/services')) as { services: unknown[] };
    const statusMs = performance.now() - t;
    t = performance.now();
    await daemon.get('/api/services');
    const statusAgainMs = performance.now() - t;
    const rssAfterStatus = daemon.rssMb();
    return {
      services,
      deployed: ok,
      history_build_s: round(historyMs / 1000, 1),
      daemon_start_to_first_poll_ms: round(daemon.startMs, 1),
      rss_after_start_mb: round(rssStarted, 1),
      status_all_services_ms: round(statusMs, 1),
      status_again_ms: round(statusAgainMs, 1),
      status_services_returned: body.services.length,
      rss_after_status_mb: round(rssAfterStatus, 1),
    };
  } finally {
    await daemon.stop();
    repo.remove();
  }
}

export async function daemonBench(): Promise<Record<string, unknown>> {
  const commits = Number(process.env.ORBIT_BENCH_COMMITS ?? 10);
  const services = Number(process.env.ORBIT_BENCH_SERVICES ?? 1000);
  return { benchmark: 'daemon', latency: await commitLatency(commits), memory: await memory(services) };
}
