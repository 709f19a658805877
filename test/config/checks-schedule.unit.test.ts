import { describe, expect, it } from 'vitest';
import { loadServiceFromSources } from '../../src/config/load.js';
import { promqlProblem } from '../../src/config/promql-syntax.js';
import { diagnosticsOf } from './helpers.js';

const STEPS = `step {
  name    = "deploy"
  agent   = "exec"
  forward = ["true"]
}
`;

describe('check and schedule blocks', () => {
  it('reads checks with their defaults and the service schedule over orbit.hcl', async () => {
    const spec = await loadServiceFromSources(
      {
        orbit: 'schedule {\n  allow = ["* 9-16 * * 1-5"]\n}\n',
        deploy: `${STEPS}
check "healthy" {
  type          = "http"
  url           = "http://127.0.0.1:8080/healthz"
  expect_status = 200
  after         = "deploy"
  interval      = "1s"
  bake          = "30s"
  failures      = 2
}
check "errors" {
  type      = "prometheus"
  url       = "http://127.0.0.1:9090"
  query     = "sum(rate(http_errors_total{job=\\"api\\"}[1m])) / sum(rate(http_requests_total[1m]))"
  condition = "< 0.01"
}
schedule {
  timezone = "Europe/Berlin"
  allow    = ["* 10-11 * * *"]
  deny     = ["2026-12-20..2027-01-04", "* * * * 6,0"]
}
`,
      },
      'web',
    );
    expect(spec.checks?.map((c) => [c.name, c.after, c.intervalMs, c.bakeMs, c.failures])).toEqual([
      ['healthy', 'deploy', 1000, 30_000, 2],
      ['errors', null, 10_000, 60_000, 3],
    ]);
    expect(spec.checks?.[1]?.probe).toMatchObject({
      kind: 'prometheus',
      condition: { op: '<', value: 0.01 },
    });
    expect(spec.schedule).toMatchObject({
      timezone: 'Europe/Berlin',
      allow: ['* 10-11 * * *'],
      deny: [
        { kind: 'range', from: '2026-12-20T00:00', to: '2027-01-05T00:00' },
        { kind: 'cron', cron: '* * * * 6,0' },
      ],
    });
  });

  it('validate catches a bad cron, a bad time zone, bad PromQL and a check after a step that does not exist', async () => {
    const ds = await diagnosticsOf(() =>
      loadServiceFromSources(
        {
          deploy: `${STEPS}
check "errors" {
  type      = "prometheus"
  url       = "http://127.0.0.1:9090"
  query     = "sum(rate(errors_total[1m])"
  condition = "< 0.01"
  after     = "deplyo"
}
schedule {
  timezone = "Mars/Olympus"
  allow    = ["61 * * * *"]
}
`,
        },
        'web',
      ),
    );
    expect(ds.map((d) => `${d.code}@${d.line}:${d.column}`)).toEqual([
      'E_BAD_PROMQL@10:3',
      'E_CHECK_UNKNOWN_STEP@12:3',
      'E_BAD_TIMEZONE@15:3',
      'E_BAD_CRON@16:3',
    ]);
    expect(ds[1]!.message).toContain('did you mean "deploy"');
    expect(ds[0]!.message).toContain('unclosed "("');
  });

  it('reads unwind_approval (default false) and refuses one that is not a boolean, at its position', async () => {
    const load = (line: string) =>
      loadServiceFromSources({ deploy: `${STEPS}\nschedule {\n  allow = ["* 9 * * *"]\n${line}}\n` }, 'web');
    expect((await load('')).schedule?.unwindApproval).toBe(false);
    expect((await load('  unwind_approval = true\n')).schedule?.unwindApproval).toBe(true);
    const ds = await diagnosticsOf(() => load('  unwind_approval = "yes"\n'));
    expect(ds).toEqual([
      expect.objectContaining({
        code: 'E_BAD_SCHEDULE',
        message: 'schedule.unwind_approval must be true or false',
      }),
    ]);
    expect(ds[0]!.line).toBe(STEPS.split('\n').length + 3);
  });

  it('refuses a check without what its type needs, and an unknown attribute', async () => {
    const ds = await diagnosticsOf(() =>
      loadServiceFromSources(
        { deploy: `${STEPS}\ncheck "up" {\n  type = "http"\n  timeout = "soon"\n  methd = "GET"\n}\n` },
        'web',
      ),
    );
    expect(ds.map((d) => d.code).sort()).toEqual(['E_BAD_CHECK', 'E_BAD_DURATION', 'E_UNKNOWN_ATTRIBUTE']);
  });

  it('the PromQL syntax check passes real queries and names what is wrong with broken ones', () => {
    for (const q of [
      'up',
      'sum by (code) (rate(http_requests_total{code=~"5..", job!="x"}[5m]))',
      'histogram_quantile(0.99, sum(rate(latency_bucket[1m])) by (le)) > 0.5',
      'max_over_time(errors[10m:1m])',
      'time() - process_start_time_seconds',
    ])
      expect(promqlProblem(q), q).toBeNull();
    expect(promqlProblem('rate(x[5 minutes])')).toContain('bad range');
    expect(promqlProblem('x{job=api}')).toContain('bad label matcher');
    expect(promqlProblem('errors / ')).toContain('ends with an operator');
    expect(promqlProblem('x{job="a}')).toContain('unclosed string');
    expect(promqlProblem('sum(x))')).toContain('unexpected ")"');
  });
});
