/**
 * SSO through the real daemon: JWTs signed with keys this test generates, the key set served by a
 * loopback JWKS server (standing in for the identity provider, which cannot run here), roles from
 * the rules table, approvals by OIDC group, and bad settings stopping the start.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace, execStep, traceLine } from '../support/config-repo.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

const ISSUER = 'https://token.actions.example.com';
const dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-oidc-'));
let key: CryptoKey;
let stranger: CryptoKey;
let jwksServer: Server;
let jwksRequests = 0;
let repo: ConfigRepo;
let trace: Trace;
let daemon: TestDaemon;

function jwt(
  claims: Record<string, unknown>,
  opts: { signWith?: CryptoKey; kid?: string; aud?: string; iss?: string; exp?: number } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? 'main' })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? 'orbit')
    .setSubject(String(claims.email ?? 'nobody'))
    .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(opts.signWith ?? key);
}

function configFile(oidc: Record<string, unknown>): string {
  const file = path.join(dir, `daemon-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ oidc }, null, 2) + '\n');
  return file;
}

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  key = pair.privateKey;
  stranger = (await generateKeyPair('ES256')).privateKey;
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'main', alg: 'ES256' }],
  });
  jwksServer = createServer((_req, res) => {
    jwksRequests++;
    res.setHeader('content-type', 'application/json');
    res.end(jwks);
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const port = (jwksServer.address() as AddressInfo).port;

  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit({
    'services/web/deploy.hcl': `step {\n  name      = "approve"\n  agent     = "ack"\n  approvers = ["platform"]\n  timeout   = "60s"\n}\n${execStep(trace, 'deploy', traceLine('+deploy'), null)}\n`,
  });
  const config = configFile({
    issuer: ISSUER,
    audience: 'orbit',
    jwks_url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    name_claim: 'email',
    groups_claim: 'groups',
    rules: [
      { claim: 'groups', equals: 'platform', roles: ['approver'] },
      { claim: 'groups', equals: 'readers', roles: ['viewer'] },
      { claim: 'repository', equals: 'acme/config', roles: ['deployer'], services: 'web' },
    ],
  });
  daemon = await startTestDaemon({ repo: repo.dir }, { ORBIT_TOKEN: '', ORBIT_CONFIG: config });
  await waitFor('web-1 waiting', () =>
    daemon.engine.state.deployment('web-1').then((d) => d?.status === 'running'),
  );
});

afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
  jwksServer?.close();
});

describe('OIDC bearer tokens', () => {
  it('a valid token reads and acts with the roles its claims map to, as the name its claim says', async () => {
    const reader = await jwt({ email: 'rita@example.com', groups: ['readers'] });
    expect((await api(daemon, 'GET', '/api/services', { token: reader })).status).toBe(200);
    expect(jwksRequests).toBeGreaterThan(0);
    expect(await api(daemon, 'POST', '/api/deployments/web-1/ack', { token: reader })).toMatchObject({
      status: 403,
      body: {
        error: { code: 'E_FORBIDDEN', message: expect.stringContaining('rita@example.com may not POST') },
      },
    });
    // A CI token (GitHub Actions' kind): a deployer of web, by its repository claim.
    const ci = await jwt({ email: 'ci@acme', repository: 'acme/config' });
    expect((await api(daemon, 'GET', '/api/services/web', { token: ci })).status).toBe(200);
    expect(await api(daemon, 'POST', '/api/deployments/web-1/ack', { token: ci })).toMatchObject({
      status: 403,
      body: {
        error: {
          message: 'ci@acme may not POST /api/deployments/:id/ack: it needs the approver role for web',
        },
      },
    });

    // Approvers by group: a platform member approves; the step goes on.
    const outsider = await jwt({ email: 'otto@example.com', groups: ['platform-ish'] });
    expect((await api(daemon, 'POST', '/api/deployments/web-1/ack', { token: outsider })).status).toBe(403);
    const pat = await jwt({ email: 'pat@example.com', groups: ['platform'] });
    expect((await api(daemon, 'POST', '/api/deployments/web-1/ack', { token: pat })).status).toBe(200);
    await waitFor('web-1 deployed', () =>
      daemon.engine.state.deployment('web-1').then((d) => d?.status === 'succeeded'),
    );
    const acked = daemon.entries.find((e) => e.kind === 'step-acked');
    expect(acked).toMatchObject({ author: 'pat@example.com', verified_by: `oidc ${ISSUER} pat@example.com` });
  });

  it('refuses an expired token, another audience, another issuer and an unknown key with 401', async () => {
    const claims = { email: 'pat@example.com', groups: ['platform'] };
    const cases: Array<[string, Promise<string>]> = [
      ['expired', jwt(claims, { exp: Math.floor(Date.now() / 1000) - 600 })],
      ['another audience', jwt(claims, { aud: 'someone-else' })],
      ['another issuer', jwt(claims, { iss: 'https://evil.example.com' })],
      ['a key the issuer does not list', jwt(claims, { signWith: stranger, kid: 'other' })],
      ['signature does not verify', jwt(claims, { signWith: stranger })],
    ];
    for (const [what, token] of cases) {
      const r = await api(daemon, 'GET', '/api/services', { token: await token });
      expect(r.status, what).toBe(401);
      expect(r.body.error.code).toBe('E_UNAUTHORIZED');
      expect(r.body.error.message).toContain(what);
    }
  });
});

describe('bad OIDC settings', () => {
  it('stop the daemon at start with the file and the line', async () => {
    const config = configFile({ issuer: ISSUER, audience: 'orbit', jwks_file: 'missing.json' });
    const r = await orbit(['daemon', '--repo', repo.dir, '--config', config, '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^orbit: ${config}:5: oidc: cannot read "jwks_file" ${dir}/missing.json: ENOENT`),
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
