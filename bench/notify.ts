/**
 * Notifications and deployment time: the median time from `deploy-started` to `deploy-succeeded`
 * of a one-step deployment, with no notify blocks, with three targets on a receiver that answers
 * at once, and with three on one that never answers (each request held until the end). Delivery is
 * queued, so the three should match.
 *
 * Env: ORBIT_BENCH_COMMITS (default 8).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startDaemon } from '../src/daemon/daemon.js';
import { createLogger } from '../src/daemon/logger.js';
import { resolveSettings } from '../src/daemon/settings.js';
import type { LogEntry } from '../src/state/types.js';
import { ConfigRepo } from '../test/support/config-repo.js';
import { median, round } from './stats.js';

const PLAN = `variable "version" {}
step {
  name    = "noop"
  agent   = "exec"
  forward = ["true"]
}
`;

const notifyBlocks = (url: string): string =>
  ['chat', 'audit', 'ops']
    .map(
      (n) => `notify "${n}" {\n  type = "${n === 'chat' ? 'slack' : 'webhook'}"\n  url  = "${url}/${n}"\n}\n`,
    )
    .join('');

async function deployTimes(commits: number, orbitHcl: string | null): Promise<number[]> {
  const repo = new ConfigRepo('orbit-bench-notify-');
  repo.commit({
    ...(orbitHcl ? { 'orbit.hcl': orbitHcl } : {}),
    'services/bench/deploy.hcl': PLAN,
    'services/bench/values.hcl': 'version = "0"\n',
  });
  const started = new Map<string, number>();
  const waiters = new Map<string, (ms: number) => void>();
  const settings = resolveSettings({ repo: repo.dir, listen: '127.0.0.1:0', 'poll-interval': '1h' }, {});
  const daemon = await startDaemon(settings, {
    logger: createLogger({ level: 'silent' }),
    env: {},
    observe: (e: LogEntry) => {
      if (!e.deploy_id) return;
      if (e.kind === 'deploy-started') started.set(e.deploy_id, performance.now());
      if (e.kind === 'deploy-succeeded')
        waiters.get(e.deploy_id)?.(performance.now() - started.get(e.deploy_id)!);
    },
  });
  try {
    await daemon.sync.trigger('bench');
    await daemon.engine.idle();
    const times: number[] = [];
    for (let i = 1; i <= commits; i++) {
      const done = new Promise<number>((resolve) => waiters.set(`bench-${i + 1}`, resolve));
      repo.commit({ 'services/bench/values.hcl': `version = "${i}"\n` });
      await daemon.sync.trigger('bench');
      times.push(await done);
    }
    return times;
  } finally {
    await daemon.stop();
    repo.remove();
  }
}

async function receiver(hold: boolean) {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => (hold ? held.push(res) : res.writeHead(200).end()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}

export async function notifyBench(): Promise<Record<string, unknown>> {
  const commits = Number(process.env.ORBIT_BENCH_COMMITS ?? 8);
  const fast = await receiver(false);
  const slow = await receiver(true);
  try {
    const none = await deployTimes(commits, null);
    const answering = await deployTimes(commits, notifyBlocks(fast.url));
    const silent = await deployTimes(commits, notifyBlocks(slow.url));
    return {
      commits,
      median_deploy_ms_no_notify: round(median(none), 1),
      median_deploy_ms_3_targets_answering: round(median(answering), 1),
      median_deploy_ms_3_targets_never_answering: round(median(silent), 1),
    };
  } finally {
    fast.close();
    slow.close();
  }
}
