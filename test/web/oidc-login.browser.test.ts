/**
 * Signing in to the dashboard through OIDC, end to end in a real headless Chromium: a real OpenID
 * provider on loopback (`oidc-provider`, panva's certified implementation, with its development
 * login and consent pages), the authorization-code flow with PKCE run by the page as a public
 * client, and the ID token it gets used as the API's bearer by a real daemon, which verifies it
 * against the provider's key set.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Provider from 'oidc-provider';
import { decodeJwt } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestDaemon, type TestDaemon } from '../daemon/helpers.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';

const CLIENT = 'orbit-dashboard';
let issuer = '';
let op: Server;
let repo: ConfigRepo;
let daemon: TestDaemon;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // The provider's server listens first: its address is the issuer the daemon is configured with.
  op = createServer();
  await new Promise<void>((resolve) => op.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(op.address() as AddressInfo).port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-oidc-web-'));
  const config = path.join(dir, 'daemon.json');
  writeFileSync(
    config,
    JSON.stringify({
      oidc: {
        issuer,
        audience: 'orbit',
        jwks_url: `${issuer}/jwks`,
        name_claim: 'email',
        groups_claim: 'groups',
        client_id: CLIENT,
        scope: 'openid email groups',
        rules: [{ claim: 'groups', equals: 'platform', roles: ['deployer'] }],
      },
    }),
  );
  repo = new ConfigRepo();
  repo.commit({
    'services/web/deploy.hcl': tracedService(new Trace(), ['deploy']),
    'services/web/values.hcl': values('1'),
  });
  daemon = await startTestDaemon({ repo: repo.dir }, { ORBIT_TOKEN: '', ORBIT_CONFIG: config });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT,
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${daemon.url}/`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    // The name and the rule's claim in the ID token itself: the API reads no userinfo.
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email'], groups: ['groups'] },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@example.com`, groups: ['platform'] }),
    }),
    cookies: { keys: ['orbit-test-cookie-key'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  op.on('request', provider.callback());
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
});

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  await new Promise((resolve) => op?.close(resolve));
  repo?.remove();
});

describe('signing in with OIDC', () => {
  it('runs the authorization-code flow with PKCE and uses the ID token as the API bearer', async () => {
    // Each request with the page that made it: the provider's own pages load what they load.
    const requests: Array<{ url: string; from: string }> = [];
    page.on('request', (r) => requests.push({ url: r.url(), from: r.frame().url() }));
    await page.goto(`${daemon.url}/`);
    await page.getByRole('button', { name: `Sign in with ${new URL(issuer).host}` }).click();
    // The provider's own login and consent pages.
    await page.locator('input[name="login"]').fill('ada');
    await page.locator('input[name="password"]').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    // Back on the dashboard, signed in: its header names the identity the daemon verified.
    await page.locator('tr[data-service="web"]').waitFor();
    expect(await page.locator('header .who').textContent()).toBe('ada@example.com');
    // The code does not stay in the address bar.
    expect(new URL(page.url()).search).toBe('');
    const authorize = new URL(requests.find((r) => r.url.startsWith(`${issuer}/auth`))!.url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${daemon.url}/`);
    const token = (await page.evaluate(() => sessionStorage.getItem('orbit-token')))!;
    expect(decodeJwt(token)).toMatchObject({ iss: issuer, aud: CLIENT, email: 'ada@example.com' });
    // The same token, outside the browser, is the identity the rules give.
    const who = await api(daemon, 'GET', '/api/whoami', { token });
    expect(who.body).toMatchObject({
      name: 'ada@example.com',
      verified_by: 'oidc ' + issuer + ' ada',
      grants: [{ role: 'deployer', services: null }],
    });
    // The dashboard's pages asked nothing of anyone but the daemon and the issuer.
    const fromDashboard = requests.filter((r) => r.from.startsWith(daemon.url));
    expect(fromDashboard.length).toBeGreaterThan(0);
    expect(fromDashboard.filter((r) => !r.url.startsWith(daemon.url) && !r.url.startsWith(issuer))).toEqual(
      [],
    );
  });

  it('refuses an answer it did not ask for (login CSRF: a code and state from elsewhere)', async () => {
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${daemon.url}/?code=stolen-code&state=attacker-state&iss=${encodeURIComponent(issuer)}`);
    await expect
      .poll(() => page.locator('.login [role=alert]').textContent())
      .toContain('the sign-in was not started from this tab');
    expect(await page.evaluate(() => sessionStorage.getItem('orbit-token'))).toBeNull();
    expect(new URL(page.url()).search).toBe('');
  });

  it('refuses a state that is not the one this tab sent', async () => {
    await page.goto(`${daemon.url}/`);
    await page.evaluate(() => sessionStorage.clear());
    // The tab's sign-in starts, and stops at the issuer's door (the provider would sign ada in again).
    await page.route(`${issuer}/auth**`, (r) =>
      r.fulfill({ contentType: 'text/plain', body: 'at the issuer' }),
    );
    await page.getByRole('button', { name: /Sign in with/ }).click();
    await page.getByText('at the issuer').waitFor();
    await page.unroute(`${issuer}/auth**`);
    // The attacker's redirect arrives with another state.
    await page.goto(`${daemon.url}/?code=stolen-code&state=attacker-state&iss=${encodeURIComponent(issuer)}`);
    await expect.poll(() => page.locator('.login [role=alert]').textContent()).toContain('sign-in failed');
    expect(await page.evaluate(() => sessionStorage.getItem('orbit-token'))).toBeNull();
  });
});
