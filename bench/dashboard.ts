/**
 * The dashboard's services page with many services: the server time of what the page loads
 * (`GET /` shell, `GET /assets/app.js`, `GET /api/services`, the page's one data request), median
 * over repeated requests to an in-process daemon on loopback. The browser's own rendering is not
 * measured here.
 *
 * Env: ORBIT_BENCH_SERVICES (default `1000,10000`: a list), ORBIT_BENCH_REPEAT (default 20),
 * ORBIT_BENCH_SEED (`snapshot` by default, or `engine`: see bench/daemon.ts).
 */
import { performance } from 'node:perf_hooks';
import { startDaemon } from '../src/daemon/daemon.js';
import { createLogger } from '../src/daemon/logger.js';
import { resolveSettings } from '../src/daemon/settings.js';
import { seededRepo, type Seed } from './daemon.js';
import { median, round } from './stats.js';

export async function dashboardBench(): Promise<Record<string, unknown>> {
  const sizes = (process.env.ORBIT_BENCH_SERVICES ?? '1000,10000').split(',').map(Number);
  const repeat = Number(process.env.ORBIT_BENCH_REPEAT ?? 20);
  const seed = (process.env.ORBIT_BENCH_SEED ?? 'snapshot') as Seed;
  const runs = [];
  for (const services of sizes) runs.push(await atSize(services, repeat, seed));
  return { benchmark: 'dashboard', repeat, runs };
}

async function atSize(services: number, repeat: number, seed: Seed): Promise<Record<string, unknown>> {
  const { repo, deployed } = await seededRepo(services, 'orbit-bench-dashboard-', seed);
  const settings = resolveSettings(
    { repo: repo.dir, listen: '127.0.0.1:0', 'poll-interval': '1h' },
    { ORBIT_TOKEN: 'bench' },
  );
  const daemon = await startDaemon(settings, { logger: createLogger({ level: 'silent' }), env: {} });
  const auth = { headers: { authorization: 'Bearer bench' } };
  const time = async (route: string) => {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < repeat; i++) {
      const t = performance.now();
      const res = await fetch(daemon.url + route, auth);
      bytes = (await res.arrayBuffer()).byteLength;
      ms.push(performance.now() - t);
    }
    return { median_ms: round(median(ms), 1), max_ms: round(Math.max(...ms), 1), bytes };
  };
  try {
    await daemon.sync.trigger('bench');
    await daemon.engine.idle();
    return {
      services,
      seed,
      deployed,
      shell: await time('/'),
      app_js: await time('/assets/app.js'),
      services_api: await time('/api/services'),
    };
  } finally {
    await daemon.stop();
    repo.remove();
  }
}
