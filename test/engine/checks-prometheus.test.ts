/**
 * Prometheus checks against a real Prometheus server (Debian's package), started on loopback,
 * scraping a loopback exporter whose error-rate gauge the test changes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import type { LogEntry } from '../../src/state/types.js';
import { ConfigRepo, Trace, execStep, traceLine } from '../support/config-repo.js';
import {
  freePort,
  startExporter,
  startPrometheus,
  type Exporter,
  type Prometheus,
} from '../support/prometheus.js';
import { waitUntil } from '../support/wait.js';

let exporter: Exporter;
let prometheus: Prometheus;
let repo: ConfigRepo;
let trace: Trace;
let engine: Engine | undefined;

beforeAll(async () => {
  exporter = await startExporter();
  prometheus = await startPrometheus(exporter.url);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.close();
});

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
});

afterEach(async () => {
  await engine?.close();
  engine = undefined;
  repo.remove();
});

/** Sets the gauge and waits until Prometheus has scraped the new value. */
async function errorRate(rate: number): Promise<void> {
  exporter.setErrorRate(rate);
  await waitUntil(
    `prometheus to see error rate ${rate}`,
    async () => (await prometheus.query('max(app_error_rate)')) === rate,
  );
}

const deployment = (
  url: string,
  bake: string,
) => `${execStep(trace, 'shift', traceLine('+shift'), traceLine('-shift'))}
check "error-rate" {
  type      = "prometheus"
  url       = "${url}"
  query     = "max(max_over_time(app_error_rate[1s]))"
  condition = "< 0.01"
  after     = "shift"
  interval  = "200ms"
  bake      = "${bake}"
  failures  = 2
}
`;

async function run(
  hcl: string,
  observe?: (e: LogEntry) => void,
): Promise<{ status: string; entries: LogEntry[] }> {
  repo.commit({ 'services/web/deploy.hcl': hcl });
  const entries: LogEntry[] = [];
  engine = await openEngine({
    repoDir: repo.dir,
    observe: (e) => {
      entries.push(e);
      observe?.(e);
    },
  });
  const report = await engine.reconcile();
  return { status: report.outcomes[0]!.status, entries };
}

describe('prometheus checks', () => {
  it('passes when the error rate stays low for the bake', async () => {
    await errorRate(0.001);
    const { status, entries } = await run(deployment(prometheus.url, '1500ms'));
    expect(status).toBe('succeeded');
    expect(
      entries.filter((e) => e.kind === 'check-result').map((e) => [e.check!.status, e.check!.value]),
    ).toEqual([
      ['passing', '0.001'],
      ['passed', '0.001'],
    ]);
    expect(trace.lines()).toEqual(['+shift']);
  });

  it('unwinds when the error rate rises during the bake, naming the check and the value it saw', async () => {
    await errorRate(0.001);
    // The rise comes once the check has been seen passing: during the bake, whatever the timing.
    const { status, entries } = await run(deployment(prometheus.url, '60s'), (e) => {
      if (e.kind === 'check-result' && e.check?.status === 'passing') exporter.setErrorRate(0.25);
    });
    expect(status).toBe('failed');
    expect(trace.lines()).toEqual(['+shift', '-shift']);
    const failed = entries.find((e) => e.check?.status === 'failed')!;
    expect(failed.check).toMatchObject({ value: '0.25', reason: '0.25 is not < 0.01', failures_in_row: 2 });
    expect(failed.check!.bake_left_ms).toBeGreaterThan(0);
    expect(entries.find((e) => e.kind === 'unwind-started')?.reason).toBe('verification-failed');
    const d = await engine!.state.deployment('web-1');
    expect(d?.error).toMatchObject({ code: 'E_CHECK_FAILED' });
    expect(d?.error?.message).toContain('check "error-rate" failed: saw 0.25');
  });

  it('an unreachable Prometheus is a failed probe with the reason, never a crash', async () => {
    const { status, entries } = await run(deployment(`http://127.0.0.1:${await freePort()}`, '1s'));
    expect(status).toBe('failed');
    const failed = entries.find((e) => e.check?.status === 'failed')!;
    expect(failed.check!.reason).toContain('ECONNREFUSED');
  });

  it("a query Prometheus refuses is a failed probe with Prometheus's message", async () => {
    const hcl = deployment(prometheus.url, '1s').replace(
      'max(max_over_time(app_error_rate[1s]))',
      'nosuchfn(app_error_rate)',
    );
    const { status, entries } = await run(hcl);
    expect(status).toBe('failed');
    const failed = entries.find((e) => e.check?.status === 'failed')!;
    expect(failed.check!.reason).toMatch(/^Prometheus: .*unknown function with name "nosuchfn"/);
  });

  it('a query the syntax check can tell is broken is refused at load, before Prometheus sees it', async () => {
    repo.commit({
      'services/web/deploy.hcl': deployment(prometheus.url, '1s').replace('[1s]))', '[1s])'),
    });
    engine = await openEngine({ repoDir: repo.dir });
    const report = await engine.reconcile();
    expect(report.outcomes[0]).toMatchObject({ status: 'rejected', error: { code: 'E_CONFIG_INVALID' } });
    expect(report.outcomes[0]!.error!.message).toContain('E_BAD_PROMQL');
  });
});
