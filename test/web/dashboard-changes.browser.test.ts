/**
 * The dashboard's view of changes, in a real headless Chromium against a real daemon: a
 * deployment's config diff from the previous one (a secret in values.hcl never reaches the
 * browser), and a service's pending commits with orbit preview's plan, appearing and going live.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/daemon/identity/tokens-file.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from '../daemon/helpers.js';
import { ConfigRepo, Gate, gatedService, Trace, values } from '../support/config-repo.js';

const IMAGES =
  process.env.ORBIT_UPDATE_SCREENSHOTS === '1'
    ? path.resolve('docs/images')
    : mkdtempSync(path.join(os.tmpdir(), 'orbit-screenshots-'));
const ENV_SECRET = 'env-s3cret-Pq1';
const FILE_SECRET = 'file-s3cret-Mv8';

const vault = (greeting: string) => `variable "version" {}
variable "pw" { sensitive = true }
step {
  name    = "say"
  agent   = "exec"
  forward = ["sh", "-c", "echo ${greeting} \${var.version}"]
  env     = { PW = var.pw }
}
`;

let repo: ConfigRepo;
let daemon: TestDaemon;
let browser: Browser;
let page: Page;
const gate = new Gate();
let token = '';

beforeAll(async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-web-')), 'tokens');
  const admin = await createToken('ada', ['admin'], null);
  writeFileSync(file, `${admin.line}\n`);
  token = admin.token;
  repo = new ConfigRepo();
  repo.commit({
    'services/vault/deploy.hcl': vault('hello'),
    'services/vault/values.hcl': 'version = "1"\n',
    'services/slow/deploy.hcl': gatedService(new Trace(), gate),
    'services/slow/values.hcl': values('1'),
  });
  daemon = await startTestDaemon({ repo: repo.dir, 'tokens-file': file }, { ORBIT_TOKEN: '' }, undefined, {
    daemonEnv: { ORBIT_VAR_pw: ENV_SECRET },
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(daemon.url + '/');
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('tr[data-service="vault"]').waitFor();
});

afterAll(async () => {
  gate.open();
  await browser?.close();
  await daemon?.stop();
  repo?.remove();
});

describe('the dashboard shows changes', () => {
  it("shows a deployment's config diff, with a secret committed to values.hcl masked", async () => {
    const from = repo.git('rev-parse', 'HEAD');
    // Someone commits the password to values.hcl (the environment's value wins at deploy time).
    const to = repo.commit({
      'services/vault/deploy.hcl': vault('bonjour'),
      'services/vault/values.hcl': `version = "2"\npw = "${FILE_SECRET}"\n`,
    });
    await daemon.sync.trigger('test');
    await waitFor(
      'vault-2',
      async () => (await daemon.engine.state.deployment('vault-2'))?.status === 'succeeded',
    );
    // Every response the page reads, not only what it draws: the secret never reaches the browser.
    const bodies: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/'))
        void r.text().then(
          (t) => bodies.push(t),
          () => undefined,
        );
    });
    await page.goto(`${daemon.url}/#/deployment/vault-2`);
    const diff = page.locator('pre.diff');
    await diff.waitFor();
    await expect.poll(() => diff.locator('.add').allTextContents()).toContain('+pw = (sensitive:pw)\n');
    expect(await diff.locator('.del').allTextContents()).toContain('-version = "1"\n');
    expect(await diff.locator('.add').allTextContents()).toContain('+version = "2"\n');
    expect(await page.locator('.config-diff code').first().textContent()).toBe(
      `git diff ${from} ${to} -- services/vault/`,
    );
    // The command shown prints the same change, unmasked.
    expect(repo.git('diff', from, to, '--', 'services/vault/')).toContain(`+pw = "${FILE_SECRET}"`);
    await page.locator('pre.diff').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(IMAGES, 'dashboard-config-diff.png') });
    await expect.poll(() => bodies.some((b) => b.includes('services/vault/values.hcl'))).toBe(true);
    for (const text of [...bodies, await page.content()]) {
      expect(text).not.toContain(FILE_SECRET);
      expect(text).not.toContain(ENV_SECRET);
    }
  });

  it("shows the commits queued behind a running deployment with orbit preview's plan, live", async () => {
    await waitFor(
      'slow-1 running',
      async () => (await daemon.engine.state.service('slow'))?.in_flight === 'slow-1',
    );
    await page.goto(`${daemon.url}/#/service/slow`);
    await page.locator('[data-pending="0"]').waitFor();
    // No reload from here on: the page learns of the commit from the live stream.
    const sha = repo.commit({ 'services/slow/values.hcl': values('2') }, 'slow to 2');
    await daemon.sync.trigger('test');
    const item = page.locator(`ol.pending li[data-sha="${sha}"]`);
    await item.waitFor();
    const api_ = await api(daemon, 'GET', '/api/services/slow/pending', { token });
    const job = api_.body.commits[0].jobs[0];
    expect(job).toMatchObject({ action: 'deploy', predicted: 'slow-2' });
    expect(await item.textContent()).toContain('slow to 2');
    expect(await item.locator('.job p').first().textContent()).toBe(
      `deploys ${job.predicted}${job.replaces ? `, replacing ${job.replaces}` : ''}`,
    );
    expect(await item.locator('.will-run li').allTextContents()).toEqual(
      job.steps.map(
        (s: { name: string; agent: string; forward: string[] }) =>
          `${s.name} — ${s.agent}: ${s.forward.join(' ')}`,
      ),
    );
    await page.screenshot({ path: path.join(IMAGES, 'dashboard-pending.png') });
    // When the deployments end, the commit is processed: the list empties, still without a reload.
    gate.open();
    await page.locator('[data-pending="0"]').waitFor();
    expect((await daemon.engine.state.service('slow'))?.current).toBe('slow-2');
  });
});
