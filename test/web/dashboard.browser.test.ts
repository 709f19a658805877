/**
 * The dashboard in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core)
 * against a real daemon on loopback: log in, watch a gated deployment run live, approve an ack,
 * unwind from the UI, and check what the page shows against the state branch. The screenshots in
 * docs/images/ are taken here.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/daemon/identity/tokens-file.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from '../daemon/helpers.js';
import { ConfigRepo, Gate, gatedService, Trace } from '../support/config-repo.js';

// The committed screenshots in docs/images/ are renewed with ORBIT_UPDATE_SCREENSHOTS=1; other runs
// take them all the same (a page that cannot be drawn fails) into a temp folder, so a test run
// leaves the work tree clean.
const IMAGES =
  process.env.ORBIT_UPDATE_SCREENSHOTS === '1'
    ? path.resolve('docs/images')
    : mkdtempSync(path.join(os.tmpdir(), 'orbit-screenshots-'));
let repo: ConfigRepo;
let trace: Trace;
let gate: Gate;
let daemon: TestDaemon;
let browser: Browser;
let page: Page;
const tokens: Record<'admin' | 'viewer', string> = { admin: '', viewer: '' };
const tokensFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-web-')), 'tokens');

/** build (exec) → approve (ack, by ada) → deploy (exec), each exec step traced both ways. */
const acked = (t: Trace) => {
  const exec = (name: string) => `step {
  name    = "${name}"
  agent   = "exec"
  forward = ["sh", "-c", "echo +${name}:$ORBIT_VAR_version >> $TRACE"]
  reverse = ["sh", "-c", "echo -${name}:$ORBIT_VAR_version >> $TRACE"]
  env     = { TRACE = "${t.file}" }
}`;
  return `variable "version" {}\n${exec('build')}\nstep {\n  name      = "approve"\n  agent     = "ack"\n  approvers = ["ada"]\n  timeout   = "300s"\n}\n${exec('deploy')}\n`;
};

const SECRET = 'hunter2-s3cr3t';
/** A step that prints a sensitive value to its log and its outputs. */
const VAULT = `variable "pw" {
  sensitive = true
}
step {
  name    = "say"
  agent   = "exec"
  forward = ["sh", "-c", "echo password is \${var.pw}; echo out=\${var.pw} >> $ORBIT_OUTPUT"]
}
`;

beforeAll(async () => {
  const admin = await createToken('ada', ['admin'], null);
  const viewer = await createToken('vic', ['viewer'], null);
  writeFileSync(tokensFile, `${admin.line}\n${viewer.line}\n`);
  tokens.admin = admin.token;
  tokens.viewer = viewer.token;
  repo = new ConfigRepo();
  trace = new Trace();
  gate = new Gate();
  repo.commit({
    'services/web/deploy.hcl': acked(trace),
    'services/web/values.hcl': 'version = "1"\n',
    'services/slow/deploy.hcl': gatedService(new Trace(), gate),
    'services/slow/values.hcl': 'version = "1"\n',
    'services/vault/deploy.hcl': VAULT,
  });
  daemon = await startTestDaemon(
    { repo: repo.dir, 'tokens-file': tokensFile },
    { ORBIT_TOKEN: '' },
    undefined,
    { daemonEnv: { ORBIT_VAR_pw: SECRET } },
  );
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
});

afterAll(async () => {
  gate?.open();
  await browser?.close();
  await daemon?.stop();
  repo?.remove();
});

async function logIn(token: string): Promise<void> {
  await page.goto(daemon.url + '/');
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(daemon.url + '/');
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
}

const ack = (id: string) =>
  waitFor(
    `${id} waiting for approval`,
    async () =>
      (await api(daemon, 'GET', `/api/deployments/${id}`, { token: tokens.admin })).body.waiting_ack,
  );

describe('the dashboard', () => {
  it('shows the login form again, with the refusal, for a wrong token; makes no request elsewhere', async () => {
    const elsewhere: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(daemon.url)) elsewhere.push(r.url());
    });
    await logIn('orbit_000000000000000000_wrong');
    await expect.poll(() => page.locator('.login [role=alert]').textContent()).toContain('E_UNAUTHORIZED');
    await expect(page.locator('#token').isVisible()).resolves.toBe(true);
    expect(elsewhere).toEqual([]);
  });

  it('lists the services as the API does, and watches a gated deployment finish live', async () => {
    await logIn(tokens.admin);
    await page.locator('tr[data-service="slow"]').waitFor();
    await ack('web-1');
    const rows = await page
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-service')));
    const listed = (await api(daemon, 'GET', '/api/services', { token: tokens.admin })).body.services.map(
      (s: { service: string }) => s.service,
    );
    expect(rows).toEqual(listed);
    await page.screenshot({ path: path.join(IMAGES, 'dashboard-services.png') });
    // The filter, from the keyboard: only the rows that match stay.
    await page.locator('#filter').focus();
    await page.keyboard.type('waiting');
    await expect
      .poll(() =>
        page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-service'))),
      )
      .toEqual(['web']);
    await page.locator('#filter').fill('');

    await page.goto(`${daemon.url}/#/deployment/slow-1`);
    await page.locator('[data-status="running"]').waitFor();
    // The running step's elapsed time is on the page, counted from the step's recorded start.
    const since = await page.locator('[data-step="deploy"] [data-since]').getAttribute('data-since');
    expect(since).toBe((await daemon.engine.state.deployment('slow-1'))!.steps[0]!.started_time);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    await page.screenshot({ path: path.join(IMAGES, 'dashboard-deployment-running.png') });
    await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));

    // No reload from here on: the page changes only through the live stream.
    gate.open();
    await page.locator('[data-status="succeeded"]').waitFor();
    const d = (await daemon.engine.state.deployment('slow-1'))!;
    expect(d.status).toBe('succeeded');
    expect(await page.locator('[data-step="deploy"] .badge').textContent()).toBe(d.steps[0]!.status);
    expect(await page.locator('.facts code').first().textContent()).toBe(d.config_commit);
    // Its state entries, each with the `git show` that reproduces it, are the state branch's own.
    const written: string[] = [];
    for await (const item of daemon.engine.state.history({ service: 'slow', limit: 200 }))
      if (item.entry.deploy_id === 'slow-1') written.unshift(item.sha);
    await expect
      .poll(() =>
        page.locator('.entries li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-sha'))),
      )
      .toEqual(written);
    const first = await page.locator('.entries li code').first().textContent();
    expect(repo.git('show', first!.replace(/^git show /, ''))).toContain('slow-1');
  });

  it('approves a waiting ack from the page; the state branch records who', async () => {
    await page.goto(`${daemon.url}/#/deployment/web-1`);
    await page.getByRole('button', { name: 'Approve approve…' }).click();
    await expect.poll(() => page.locator('dialog .will-run').textContent()).toContain('approved as ada');
    await page.locator('dialog [data-confirm]').click();
    await page.locator('[data-status="succeeded"]').waitFor();
    // The timeline draws every step as a bar (a CSP that refused its placement would leave none).
    const widths = () =>
      page.locator('.track .bar').evaluateAll((bars) => bars.map((b) => b.getBoundingClientRect().width > 0));
    await expect.poll(widths).toEqual([true, true, true]);
    const d = (await daemon.engine.state.deployment('web-1'))!;
    expect(d.steps[1]).toMatchObject({ step_name: 'approve', acked: { by: 'ada' } });
    expect(trace.next()).toEqual(['+build:1', '+deploy:1']);
  });

  it('unwinds from the page after saying which recorded reverse actions will run, in order', async () => {
    await page.goto(`${daemon.url}/#/deployment/web-1`);
    await page.getByRole('button', { name: 'Unwind…' }).click();
    const shown = await page.locator('dialog .will-run li').allTextContents();
    const d = (await daemon.engine.state.deployment('web-1'))!;
    const recorded = d.steps
      .filter((s) => s.reverse_action)
      .reverse()
      .map((s) => `${s.step_name} — exec: ${s.reverse_action!.args.join(' ')}`);
    expect(shown).toEqual(recorded);
    await page.screenshot({ path: path.join(IMAGES, 'dashboard-unwind-confirm.png') });
    await page.locator('dialog [data-confirm]').click();
    await page.locator('[data-status="unwound"]').waitFor();
    expect((await daemon.engine.state.deployment('web-1'))!.status).toBe('unwound');
    expect(trace.next()).toEqual(['-deploy:1', '-build:1']);
  });

  it("shows an action the API refuses with the refusal's code and message", async () => {
    await page.goto(`${daemon.url}/#/deployment/slow-1`);
    await page.getByRole('button', { name: 'Unwind…' }).click();
    // Someone else unwinds it while the confirmation is open.
    expect((await api(daemon, 'POST', '/api/services/slow/unwind', { token: tokens.admin })).status).toBe(
      200,
    );
    await waitFor(
      'slow-1 unwound',
      async () => (await daemon.engine.state.deployment('slow-1'))?.status === 'unwound',
    );
    await page.locator('dialog [data-confirm]').click();
    const again = await api(daemon, 'POST', '/api/services/slow/unwind', {
      token: tokens.admin,
      body: { deployment: 'slow-1' },
    });
    expect(again.status).toBeGreaterThanOrEqual(400);
    await expect
      .poll(() => page.locator('.notice.error').textContent())
      .toBe(`${again.body.error.code}: ${again.body.error.message}`);
  });

  it('never shows a sensitive value: not in the log, the outputs or the actions', async () => {
    await waitFor(
      'vault-1',
      async () => (await daemon.engine.state.deployment('vault-1'))?.status === 'succeeded',
    );
    await page.goto(`${daemon.url}/#/deployment/vault-1`);
    await page.locator('[data-step="say"] summary').click();
    await expect.poll(() => page.locator('[data-step="say"] pre.log').textContent()).toContain('password is');
    expect(await page.content()).not.toContain(SECRET);
    expect(await page.locator('[data-step="say"]').textContent()).toContain('(sensitive:pw)');
  });

  it('hides the actions a viewer cannot take, and the API refuses them anyway', async () => {
    await logIn(tokens.viewer);
    await page.goto(`${daemon.url}/#/deployment/slow-1`);
    await page.locator('[data-status="unwound"]').waitFor();
    // An unwound deployment may be redeployed, by a deployer: not by a viewer.
    expect(await page.getByRole('button', { name: /Unwind|Redeploy|Approve/ }).count()).toBe(0);
    const r = await api(daemon, 'POST', '/api/services/slow/unwind', { token: tokens.viewer });
    expect(r).toMatchObject({ status: 403, body: { error: { code: 'E_FORBIDDEN' } } });
  });

  it('says when the live stream is lost and reconnects to a daemon that is back', async () => {
    await page.locator('.connection.live').waitFor();
    const { port } = new URL(daemon.url);
    await daemon.stop();
    await page.locator('.connection.lost').waitFor();
    expect(await page.locator('.connection').textContent()).toContain('connection lost');
    daemon = await startTestDaemon(
      { repo: repo.dir, 'tokens-file': tokensFile, listen: `127.0.0.1:${port}` },
      { ORBIT_TOKEN: '' },
    );
    await page.locator('.connection.live').waitFor();
  });
});
