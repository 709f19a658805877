/** The real CLI on checks and schedules: validate, plan, preview, and the window override. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigRepo, Trace, execStep, traceLine } from '../support/config-repo.js';
import { orbit } from '../support/cli.js';

let repo: ConfigRepo;
let trace: Trace;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
});
afterEach(() => repo.remove());

const CHECK = `check "healthy" {
  type     = "http"
  url      = "http://127.0.0.1:8080/healthz"
  after    = "deploy"
  interval = "1s"
  bake     = "30s"
  failures = 2
}
`;
// Always frozen (every minute is denied): only an override starts anything.
const FROZEN = `schedule {
  timezone = "Europe/Berlin"
  deny     = ["* * * * *"]
}
`;

const deploy = (version: string, extra = '') =>
  `${execStep(trace, 'deploy', traceLine(`+${version}`), traceLine(`-${version}`))}\n${extra}`;

describe('checks and schedules in the CLI', () => {
  it('validate names a bad cron, a bad time zone, bad PromQL and a check after no such step, at file:line:col', async () => {
    repo.commit({
      'services/web/deploy.hcl': deploy(
        'v1',
        `check "errors" {
  type      = "prometheus"
  url       = "http://127.0.0.1:9090"
  query     = "rate(errors_total[5 minutes])"
  condition = "< 0.01"
  after     = "migrate"
}
schedule {
  timezone = "Berlin"
  allow    = ["* * * *"]
}
`,
      ),
    });
    const r = await orbit(['validate', '--repo', repo.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^services\/web\/deploy\.hcl:11:3: .*bad range or subquery duration.*\[E_BAD_PROMQL\]$/,
      ),
      expect.stringMatching(
        /^services\/web\/deploy\.hcl:13:3: .*there is no step "migrate".*\[E_CHECK_UNKNOWN_STEP\]$/,
      ),
      expect.stringMatching(
        /^services\/web\/deploy\.hcl:16:3: .*unknown time zone "Berlin".*\[E_BAD_TIMEZONE\]$/,
      ),
      expect.stringMatching(
        /^services\/web\/deploy\.hcl:17:3: .*bad cron expression "\* \* \* \*".*\[E_BAD_CRON\]$/,
      ),
    ]);
  });

  it('a check uses variables: plan shows it rendered, validate refuses a sensitive one at file:line:col without its value', async () => {
    const vars = `variable "port" {
  default = "8080"
}
variable "token" {
  sensitive = true
  default   = "s3cr3t-token-value"
}
`;
    const check = (url: string) => `check "healthy" {
  type = "http"
  url  = "${url}"
}
`;
    repo.commit({
      'services/web/deploy.hcl': vars + deploy('v1', check('http://127.0.0.1:${var.port}/healthz')),
    });
    const plan = await orbit(['plan', 'web', '--repo', repo.dir, '--var', 'port=9191']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(
      'healthy (http) after deploy (the last step): GET http://127.0.0.1:9191/healthz',
    );

    repo.commit({ 'services/web/deploy.hcl': vars + deploy('v1', check('http://x/?t=${var.token}')) });
    const r = await orbit(['validate', '--repo', repo.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^services\/web\/deploy\.hcl:\d+:\d+: .*sensitive variable "token".*\[E_SENSITIVE_IN_CHECK\]$/m,
    );
    expect(r.stderr + r.stdout).not.toContain('s3cr3t');
  });

  it('plan and preview show the checks and the schedule', async () => {
    repo.commit({ 'services/web/deploy.hcl': deploy('v1') });
    repo.commit({ 'orbit.hcl': FROZEN, 'services/web/deploy.hcl': deploy('v2', CHECK) });
    const plan = await orbit(['plan', 'web', '--repo', repo.dir]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(
      'Checks (1)\n  healthy (http) after deploy: GET http://127.0.0.1:8080/healthz expects 200; every 1s, bake 30s, fails after 2 in a row',
    );
    expect(plan.stdout).toMatch(
      /Schedule\n {2}timezone Europe\/Berlin \(from orbit\.hcl\)\n {2}allow: any time\n {2}deny: \* \* \* \* \*\n {2}closed now \(frozen by deny/,
    );
    const json = JSON.parse((await orbit(['plan', 'web', '--repo', repo.dir, '--json'])).stdout);
    expect(json.checks).toEqual([
      expect.objectContaining({
        name: 'healthy',
        type: 'http',
        after: 'deploy',
        bake_ms: 30_000,
        failures: 2,
      }),
    ]);
    expect(json.schedule).toMatchObject({ timezone: 'Europe/Berlin', open_now: false, opens_at: null });
    const preview = await orbit(['preview', 'HEAD~1..HEAD', '--repo', repo.dir]);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('    healthy (http) after deploy: GET http://127.0.0.1:8080/healthz');
    expect(preview.stdout).toContain('    closed now (frozen by deny');
  });

  it('a deployment in a freeze waits; orbit deploy --override-window --reason starts it, recorded with the reason', async () => {
    repo.commit({ 'orbit.hcl': FROZEN, 'services/web/deploy.hcl': deploy('v1') });
    const first = await orbit(['reconcile', '--repo', repo.dir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('web: waiting-window web-1');
    expect(trace.lines()).toEqual([]);

    const noReason = await orbit(['deploy', 'web', '--override-window', '--repo', repo.dir]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason TEXT is required');

    const r = await orbit(
      ['deploy', 'web', '--override-window', '--reason', 'hotfix for INC-42', '--repo', repo.dir],
      {
        env: { ORBIT_USER: 'ann' },
      },
    );
    expect(r.code).toBe(0);
    expect(trace.lines()).toEqual(['+v1']);
    const log = repo.git('log', '--format=%s', 'orbit/state');
    expect(log).toContain('web-1: window overridden by ann (hotfix for INC-42)');
    expect(log).toContain('web-1: deployed');
    const again = await orbit(['deploy', 'web', '--now', '--reason', 'x', '--repo', repo.dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('web has no deployment waiting for its window');
  });
});
