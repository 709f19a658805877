/**
 * The dashboard's services page with many services, in a real headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core) against an in-process daemon on loopback:
 *
 * - `first_render`: from navigation to every row drawn; `services_api` its one data request
 *   (Resource Timing) and `rows` the page's own drawing of them (User Timing `orbit-rows`);
 * - `filter`: typing in the filter to the next painted frame, per keystroke;
 * - `live_update`: one service deployed while the page is open: each redraw the stream causes
 *   (`orbit-redraw`: reading /api/services and drawing), and the main thread's longest task.
 *
 * Needs `npm run build:web` (the page's bundle). Env: ORBIT_BENCH_SERVICES (default 1000),
 * ORBIT_BENCH_REPEAT (default 5: page loads, each with its keystrokes).
 */
import { chromium } from 'playwright-core';
import { startDaemon } from '../src/daemon/daemon.js';
import { createLogger } from '../src/daemon/logger.js';
import { resolveSettings } from '../src/daemon/settings.js';
import { seededRepo } from './daemon.js';
import { median, round } from './stats.js';

const QUERIES = ['s9', 's99', 's999', 'held', 'out-of-sync', ''];

declare global {
  interface Window {
    orbitMeasures: Array<{ name: string; duration: number }>;
    orbitLongest: number;
  }
}

const stats = (xs: number[]) => ({ median_ms: round(median(xs), 1), max_ms: round(Math.max(...xs), 1) });

export async function dashboardBrowserBench(): Promise<Record<string, unknown>> {
  const services = Number(process.env.ORBIT_BENCH_SERVICES ?? 1000);
  const repeat = Number(process.env.ORBIT_BENCH_REPEAT ?? 5);
  const { repo, deployed } = await seededRepo(services, 'orbit-bench-dashboard-browser-');
  const settings = resolveSettings(
    { repo: repo.dir, listen: '127.0.0.1:0', 'poll-interval': '1h' },
    { ORBIT_TOKEN: 'bench' },
  );
  const daemon = await startDaemon(settings, { logger: createLogger({ level: 'silent' }), env: {} });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    await daemon.sync.trigger('bench');
    await daemon.engine.idle();
    const assets = await fetch(`${daemon.url}/assets/app.js`);
    if (!assets.ok) throw new Error('the dashboard is not built: run `npm run build:web` first');
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.addInitScript(() => {
      sessionStorage.setItem('orbit-token', 'bench');
      window.orbitMeasures = [];
      window.orbitLongest = 0;
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) window.orbitMeasures.push({ name: e.name, duration: e.duration });
      }).observe({ type: 'measure' });
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) window.orbitLongest = Math.max(window.orbitLongest, e.duration);
      }).observe({ type: 'longtask' });
    });
    const first: number[] = [];
    const api: number[] = [];
    const rows: number[] = [];
    const filter: number[] = [];
    for (let i = 0; i < repeat; i++) {
      await page.goto(`${daemon.url}/`);
      await page.waitForFunction((n) => document.querySelectorAll('tbody tr').length === n, services, {
        timeout: 120_000,
      });
      const t = await page.evaluate(() => {
        const res = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/services'));
        return {
          drawn: performance.now(),
          api: res ? res.duration : NaN,
          rows: window.orbitMeasures.find((m) => m.name === 'orbit-rows')?.duration ?? NaN,
        };
      });
      first.push(t.drawn);
      api.push(t.api);
      rows.push(t.rows);
      for (const q of QUERIES) {
        filter.push(
          await page.evaluate(
            (text) =>
              new Promise<number>((resolve) => {
                const input = document.getElementById('filter') as HTMLInputElement;
                const t0 = performance.now();
                input.value = text;
                input.dispatchEvent(new Event('input'));
                // The frame after the one the change is painted in.
                requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
              }),
            q,
          ),
        );
      }
    }
    // A live update: one service deployed while the page is open; the stream redraws the page.
    await page.evaluate(() => {
      window.orbitMeasures = [];
      window.orbitLongest = 0;
    });
    repo.commit({ 'services/s0/values.hcl': 'version = "2"\n' });
    await daemon.sync.trigger('bench');
    await daemon.engine.idle();
    await page.waitForFunction(
      () => document.querySelector('tr[data-service="s0"] a[href^="#/deployment/s0-2"]') !== null,
      undefined,
      { timeout: 60_000 },
    );
    const live = await page.evaluate(() => ({
      measures: window.orbitMeasures,
      longest: window.orbitLongest,
    }));
    const redraws = live.measures.filter((m) => m.name === 'orbit-redraw').map((m) => m.duration);
    const liveRows = live.measures.filter((m) => m.name === 'orbit-rows').map((m) => m.duration);
    return {
      benchmark: 'dashboard-browser',
      services,
      deployed,
      repeat,
      first_render: stats(first),
      services_api: stats(api),
      rows: stats(rows),
      filter: { keystrokes: filter.length, ...stats(filter) },
      live_update: {
        redraws: redraws.length,
        redraw: stats(redraws),
        rows: stats(liveRows),
        longest_task_ms: round(live.longest, 1),
      },
    };
  } finally {
    await browser.close();
    await daemon.stop();
    repo.remove();
  }
}
