/**
 * Checks after a step, against real things: a loopback HTTP server whose answers the test decides
 * (by request count, so nothing depends on timing), a closed port, and local commands.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { openEngine } from '../../src/engine/open.js';
import type { LogEntry } from '../../src/state/types.js';
import { ConfigRepo, Trace, execStep, traceLine } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';

let repo: ConfigRepo;
let trace: Trace;
let engine: Engine | undefined;
let server: http.Server | undefined;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
});

afterEach(async () => {
  await engine?.close();
  engine = undefined;
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  repo.remove();
});

/** A loopback server answering request n (from 1) with `status(n)`. */
async function serve(
  status: (n: number) => number,
): Promise<{ url: string; requests: () => number; paths: string[] }> {
  let n = 0;
  const paths: string[] = [];
  server = http.createServer((req, res) => {
    n++;
    paths.push(req.url ?? '');
    res.writeHead(status(n), { 'content-type': 'text/plain' });
    res.end(`answer ${n}\n`);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`,
    requests: () => n,
    paths,
  };
}

const steps = (): string =>
  [
    execStep(trace, 'deploy', traceLine('+deploy'), traceLine('-deploy')),
    execStep(trace, 'announce', traceLine('+announce'), traceLine('-announce')),
  ].join('\n');

async function deploy(checks: string): Promise<{ entries: LogEntry[]; status: string }> {
  repo.commit({ 'services/web/deploy.hcl': `${steps()}\n${checks}\n` });
  const entries: LogEntry[] = [];
  engine = await openEngine({ repoDir: repo.dir, observe: (e) => entries.push(e) });
  const report = await engine.reconcile();
  return { entries, status: report.outcomes[0]!.status };
}

const httpCheck = (url: string, extra = '') => `check "healthy" {
  type          = "http"
  url           = "${url}"
  expect_status = 200
  after         = "deploy"
  interval      = "50ms"
  bake          = "400ms"
  failures      = 2
${extra}}`;

const checkEntries = (entries: LogEntry[]) =>
  entries.filter((e) => e.kind === 'check-result').map((e) => [e.check!.status, e.check!.value]);

describe('http checks', () => {
  it('a deployment whose check keeps passing for the bake succeeds, with one entry per change, not per probe', async () => {
    const srv = await serve(() => 200);
    const { entries, status } = await deploy(httpCheck(srv.url));
    expect(status).toBe('succeeded');
    expect(checkEntries(entries)).toEqual([
      ['passing', 'status 200'],
      ['passed', 'status 200'],
    ]);
    // The next step ran only after the check had baked.
    const kinds = entries.map((e) => (e.kind === 'check-result' ? `check-${e.check!.status}` : e.kind));
    expect(kinds.indexOf('check-passed')).toBeLessThan(
      entries.findIndex((e) => e.kind === 'step-started' && e.step_name === 'announce'),
    );
    const d = await engine!.state.deployment('web-1');
    expect(d?.checks?.healthy).toMatchObject({ status: 'passed', value: 'status 200', bake_left_ms: 0 });
    // Every probe was an answered request; two of them made entries.
    expect(d?.checks?.healthy?.probes).toBe(srv.requests());
    expect(srv.requests()).toBeGreaterThan(2);
  });

  it('a check that turns unhealthy during the bake unwinds the deployment at once (verification-failed), naming the check and the value', async () => {
    // Healthy for two probes, then 503 for good.
    const srv = await serve((n) => (n <= 2 ? 200 : 503));
    const { entries, status } = await deploy(httpCheck(srv.url));
    expect(status).toBe('failed');
    expect(trace.lines()).toEqual(['+deploy', '-deploy']);
    expect(checkEntries(entries)).toEqual([
      ['passing', 'status 200'],
      ['failing', 'status 503'],
      ['failed', 'status 503'],
    ]);
    const unwind = entries.find((e) => e.kind === 'unwind-started');
    expect(unwind?.reason).toBe('verification-failed');
    const d = await engine!.state.deployment('web-1');
    expect(d).toMatchObject({ status: 'failed', unwind: { reason: 'verification-failed' } });
    expect(d?.error?.code).toBe('E_CHECK_FAILED');
    expect(d?.error?.message).toContain('check "healthy" failed: saw status 503 (status 503, expected 200)');
    // The service's current is untouched: nothing was current before.
    expect((await engine!.state.service('web'))?.current).toBeNull();
    expect(repo.git('log', '--format=%s', 'orbit/state')).toContain(
      'web-1: check healthy after deploy failed',
    );
  });

  it("a check whose URL comes from the deployment's variables probes that URL", async () => {
    const srv = await serve(() => 200);
    const port = new URL(srv.url).port;
    const { entries, status } = await deploy(`variable "port" {
  default = "${port}"
}
${httpCheck('http://127.0.0.1:${var.port}/healthz?deployment=${orbit.deployment_id}')}`);
    expect(status).toBe('succeeded');
    expect(new Set(srv.paths)).toEqual(new Set(['/healthz?deployment=web-1']));
    expect(checkEntries(entries)).toEqual([
      ['passing', 'status 200'],
      ['passed', 'status 200'],
    ]);
  });

  it("a check that renders badly with the deployment's variables is refused before any step runs", async () => {
    const { entries, status } = await deploy(`variable "url" {
  default = "ftp://127.0.0.1/healthz"
}
${httpCheck('${var.url}')}`);
    expect(status).toBe('rejected');
    expect(trace.lines()).toEqual([]);
    expect(entries.filter((e) => e.kind === 'step-started')).toEqual([]);
  });

  it('while a check bakes, status says verifying: the check, its newest value and the bake time left', async () => {
    // Healthy until the test has seen the status, then unhealthy for good, which ends the bake.
    let healthy = true;
    const srv = await serve(() => (healthy ? 200 : 503));
    repo.commit({
      'services/web/deploy.hcl': `${steps()}\n${httpCheck(srv.url).replace('bake          = "400ms"', 'bake = "10m"')}\n`,
    });
    engine = await openEngine({ repoDir: repo.dir });
    const run = engine.reconcile();
    const web = async () => (await engine!.status()).find((s) => s.service === 'web')!;
    await waitUntil('status to say verifying', async () => (await web()).health === 'verifying');
    const s = await web();
    expect(s.health_reason).toMatchObject({
      deployment: 'web-1',
      check: { name: 'healthy', status: 'passing', value: 'status 200' },
    });
    expect(s.health_reason!.check!.bake_left_ms).toBeGreaterThan(60_000);
    expect(s.health_reason!.message).toMatch(/check healthy passing \(status 200\), \d+s of its bake left/);
    healthy = false;
    expect((await run).outcomes[0]!.status).toBe('failed');
    expect((await web()).health).toBe('failed');
  });

  it('an unreachable URL is a failed probe with its reason, counted against failures, never a crash', async () => {
    const srv = await serve(() => 200);
    const url = srv.url;
    await new Promise((r) => server!.close(r));
    server = undefined;
    const { entries, status } = await deploy(httpCheck(url));
    expect(status).toBe('failed');
    const results = entries.filter((e) => e.kind === 'check-result').map((e) => e.check!);
    expect(results.map((c) => [c.status, c.failures_in_row])).toEqual([
      ['failing', 1],
      ['failed', 2],
    ]);
    expect(results[1]!.reason).toContain('ECONNREFUSED');
  });

  it('body_match: a 200 whose body does not match fails', async () => {
    const srv = await serve(() => 200);
    const { entries, status } = await deploy(httpCheck(srv.url, '  body_match = "^ready"\n'));
    expect(status).toBe('failed');
    expect(entries.find((e) => e.check?.status === 'failed')?.check?.reason).toBe(
      'body does not match /^ready/',
    );
  });
});

describe('exec checks', () => {
  it('exit 0 passes; a non-zero exit after the last step unwinds every step, newest first', async () => {
    const ok = `check "files" {
  type     = "exec"
  command  = ["sh", "-c", "grep -q +deploy ${trace.file}"]
  after    = "deploy"
  interval = "50ms"
  bake     = "100ms"
}
check "smoke" {
  type     = "exec"
  command  = ["sh", "-c", "echo smoke test says no; exit 3"]
  interval = "50ms"
  failures = 1
}`;
    const { entries, status } = await deploy(ok);
    expect(status).toBe('failed');
    expect(trace.lines()).toEqual(['+deploy', '+announce', '-announce', '-deploy']);
    const smoke = entries.find((e) => e.check?.name === 'smoke')!.check!;
    expect(smoke).toMatchObject({ status: 'failed', value: 'exit 3', after: null });
    expect(entries.filter((e) => e.check?.name === 'files').map((e) => e.check!.status)).toEqual([
      'passing',
      'passed',
    ]);
  });
});

describe('pause steps', () => {
  it('pauses for a duration between waves, and until an approval', async () => {
    repo.commit({
      'services/web/deploy.hcl': `${execStep(trace, 'wave1', traceLine('+wave1'), null)}
step {
  name     = "soak"
  agent    = "pause"
  duration = "200ms"
}
step {
  name  = "go-on"
  agent = "pause"
  until = "ack"
}
${execStep(trace, 'wave2', traceLine('+wave2'), null)}
`,
    });
    engine = await openEngine({ repoDir: repo.dir });
    const run = engine.reconcile();
    // The step's `started` entry comes before its agent waits on the broker: wait for the waiter.
    await waitUntil('the pause waiting for an ack', () => engine!.options.acks?.waiting('web-1'));
    expect(trace.lines()).toEqual(['+wave1']);
    await engine.ack('web-1', 'cy');
    const report = await run;
    expect(report.outcomes[0]?.status).toBe('succeeded');
    const d = await engine.state.deployment('web-1');
    expect(d?.steps[1]?.duration_ms).toBeGreaterThanOrEqual(200);
    expect(d?.steps[2]?.acked?.by).toBe('cy');
    expect(trace.lines()).toEqual(['+wave1', '+wave2']);
  });
});
