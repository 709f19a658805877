/**
 * examples/canary against a real Prometheus (Debian's package) scraping the example's fake shop,
 * whose error rate follows the canary's version and traffic weight (examples/canary/fake-shop.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeShop, type FakeShop } from '../../examples/canary/fake-shop.js';
import type { LogEntry } from '../../src/state/types.js';
import type { ConfigRepo } from '../support/config-repo.js';
import { startPrometheus, type Prometheus } from '../support/prometheus.js';
import { waitUntil } from '../support/wait.js';
import { exampleRepo, withExampleEngine } from './helpers.js';

let routerDir: string;
let shop: FakeShop;
let prometheus: Prometheus;
let repo: ConfigRepo;

beforeAll(async () => {
  routerDir = mkdtempSync(path.join(os.tmpdir(), 'orbit-canary-router-'));
  shop = await startFakeShop(routerDir);
  prometheus = await startPrometheus(shop.target);
  await waitUntil(
    'a first scrape of the shop',
    async () => (await prometheus.query('max(shop_error_rate)')) !== null,
    30_000,
  );
  repo = exampleRepo('canary');
  // The example's checks name Prometheus on 9090; this test's runs on a free port.
  const deploy = 'services/shop/deploy.hcl';
  repo.commit({
    [deploy]: readFileSync(path.join(repo.dir, deploy), 'utf8').replaceAll(
      'http://127.0.0.1:9090',
      prometheus.url,
    ),
  });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await shop?.close();
  repo?.remove();
  rmSync(routerDir, { recursive: true, force: true });
});

const router = (file: string) => readFileSync(path.join(routerDir, file), 'utf8').trim();

describe('examples/canary', () => {
  it('promotes a healthy version in waves, and unwinds a broken one when its error rate rises during the bake', async () => {
    const entries: LogEntry[] = [];
    await withExampleEngine(repo, { ORBIT_VAR_router_dir: routerDir }, async (engine) => {
      expect((await engine.reconcile()).outcomes).toMatchObject([
        { deployId: 'shop-1', status: 'succeeded' },
      ]);
      expect(router('stable.version')).toBe('2.0');
      expect((await engine.state.deployment('shop-1'))?.checks).toMatchObject({
        'errors-at-10': { status: 'passed' },
        'errors-at-50': { status: 'passed' },
      });

      repo.commit({ 'services/shop/values.hcl': 'version = "2.1-broken"\n' }, 'shop 2.1');
      expect((await engine.reconcile()).outcomes).toMatchObject([{ deployId: 'shop-2', status: 'failed' }]);
      const d = (await engine.state.deployment('shop-2'))!;
      expect(d.unwind?.reason).toBe('verification-failed');
      expect(d.error?.message).toMatch(/^check "errors-at-10" failed: saw 0\.05 \(0\.05 is not < 0\.01\)/);
      expect(d.steps.map((s) => [s.step_name, s.status])).toEqual([['canary-10', 'reversed']]);
      for await (const { entry } of engine.state.history({ service: 'shop' })) entries.push(entry);
    });
    expect(router('canary.weight')).toBe('0');
    expect(router('stable.version')).toBe('2.0');
    const results = entries.filter((e) => e.kind === 'check-result' && e.deploy_id === 'shop-2');
    expect(results.at(0)?.check).toMatchObject({ name: 'errors-at-10', status: 'failed', value: '0.05' });
  });
});
