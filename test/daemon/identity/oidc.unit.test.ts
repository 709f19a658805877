/** OIDC bearer tokens, verified with keys this test generates (jose) and a local key set. */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { oidcVerifier } from '../../../src/daemon/identity/oidc.js';
import { parseOidcSettings } from '../../../src/daemon/identity/oidc-settings.js';
import { isOrbitError } from '../../../src/util/errors.js';

const ISSUER = 'https://sso.example.com';
let issuerKey: CryptoKey;
let strangerKey: CryptoKey;
let jwks: { keys: JWK[] };

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  issuerKey = pair.privateKey;
  strangerKey = (await generateKeyPair('ES256')).privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
});

async function token(
  claims: Record<string, unknown>,
  opts: { key?: CryptoKey; kid?: string; iss?: string; aud?: string; exp?: string | number } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? 'k1' })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? 'orbit')
    .setSubject('user-123')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m')
    .sign(opts.key ?? issuerKey);
}

const verifier = () =>
  oidcVerifier({
    issuer: ISSUER,
    audience: 'orbit',
    jwksUrl: null,
    jwks,
    nameClaim: 'email',
    groupsClaim: 'groups',
    rules: [
      { claim: 'groups', equals: 'platform', roles: ['deployer', 'approver'], services: null },
      { claim: 'email', equals: 'dora@example.com', roles: ['admin'], services: 'web-*' },
    ],
  });

async function refusal(t: Promise<string>): Promise<string> {
  try {
    await verifier().verify(await t);
  } catch (err) {
    if (isOrbitError(err, 'E_UNAUTHORIZED')) return err.message;
    throw err;
  }
  return expect.fail('accepted');
}

describe('OIDC tokens', () => {
  it('a valid token is the identity its claim names, with the roles of every rule it matches', async () => {
    const id = await verifier().verify(await token({ email: 'carl@example.com', groups: ['platform', 'x'] }));
    expect(id).toMatchObject({
      name: 'carl@example.com',
      verifiedBy: `oidc ${ISSUER} user-123`,
      groups: ['platform', 'x'],
      grants: [
        { role: 'deployer', services: null },
        { role: 'approver', services: null },
      ],
    });
    const dora = await verifier().verify(await token({ email: 'dora@example.com' }));
    expect(dora.grants).toEqual([{ role: 'admin', services: 'web-*' }]);
    // Authenticated, but no rule gives it a role: every route answers 403.
    expect((await verifier().verify(await token({ email: 'eve@example.com' }))).grants).toEqual([]);
  });

  it('refuses an expired token, another audience, another issuer, an unknown key', async () => {
    expect(await refusal(token({ email: 'c@x' }, { exp: Math.floor(Date.now() / 1000) - 120 }))).toBe(
      'OIDC token refused: the token has expired',
    );
    expect(await refusal(token({ email: 'c@x' }, { aud: 'grafana' }))).toBe(
      'OIDC token refused: the token is for another audience',
    );
    expect(await refusal(token({ email: 'c@x' }, { iss: 'https://evil.example.com' }))).toBe(
      'OIDC token refused: the token is from another issuer',
    );
    expect(await refusal(token({ email: 'c@x' }, { key: strangerKey, kid: 'k9' }))).toBe(
      'OIDC token refused: the token is signed by a key the issuer does not list',
    );
    // The issuer's key id, another key: the signature does not verify.
    expect(await refusal(token({ email: 'c@x' }, { key: strangerKey }))).toBe(
      'OIDC token refused: the token signature does not verify',
    );
    expect(await refusal(Promise.resolve('a.b.c'))).toBe('OIDC token refused: the token is not a valid JWT');
    expect(await refusal(token({ groups: ['platform'] }))).toBe(
      'OIDC token refused: it has no "email" claim',
    );
  });

  it('refuses a token signed with a shared secret (HS256), whatever its claims', async () => {
    const hs = await new SignJWT({ email: 'c@x' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience('orbit')
      .setSubject('s')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('k'.repeat(32)));
    expect(await refusal(Promise.resolve(hs))).toMatch(/^OIDC token refused: /);
  });
});

describe('OIDC settings', () => {
  const fail = (text: string): string => {
    try {
      parseOidcSettings((JSON.parse(text) as { oidc: unknown }).oidc, '/etc/orbit/daemon.json', text);
    } catch (err) {
      if (isOrbitError(err, 'E_DAEMON_CONFIG')) return err.message;
      throw err;
    }
    return expect.fail('accepted');
  };

  it('names the file and the line of a bad setting', () => {
    const text = (extra: string) =>
      `{\n  "repo": "/x",\n  "oidc": {\n    "issuer": "${ISSUER}",\n    "audience": "orbit",\n${extra}\n  }\n}`;
    expect(fail(text('    "jwks_url": "http://sso.example.com/keys"'))).toBe(
      '/etc/orbit/daemon.json:6: oidc: "jwks_url" must be https (http only on loopback)',
    );
    expect(
      fail(
        text(
          '    "jwks_url": "https://sso/k",\n    "rules": [\n      { "claim": "g", "equals": "p", "roles": ["root"] }\n    ]',
        ),
      ),
    ).toBe(
      '/etc/orbit/daemon.json:8: oidc: rules[0].roles must be a list of roles (viewer, deployer, approver, admin)',
    );
    expect(fail(text('    "jwks_url": "https://sso/k",\n    "isuer": "x"'))).toMatch(
      /^\/etc\/orbit\/daemon.json:7: oidc: unknown setting "isuer"/,
    );
    expect(fail(text('    "name_claim": "email"'))).toBe(
      '/etc/orbit/daemon.json:3: oidc: give exactly one of "jwks_url" and "jwks_file"',
    );
  });
});

describe("the dashboard's OIDC client", () => {
  const settings = (extra: string) =>
    parseOidcSettings(
      JSON.parse(`{"issuer": "${ISSUER}", "audience": "orbit", "jwks_url": "https://sso/k"${extra}}`),
      '/etc/orbit/daemon.json',
      '{}',
    );

  it('offers sign-in only with a client_id, and accepts ID tokens for it beside the audience', async () => {
    expect(oidcVerifier(settings('')).login).toBeNull();
    const parsed = settings(', "client_id": "orbit-dashboard"');
    expect(oidcVerifier(parsed).login).toEqual({
      issuer: ISSUER,
      clientId: 'orbit-dashboard',
      scope: 'openid email profile',
    });
    const v = oidcVerifier({ ...parsed, jwksUrl: null, jwks, nameClaim: 'email' });
    const id = await v.verify(await token({ email: 'ada@example.com' }, { aud: 'orbit-dashboard' }));
    expect(id.name).toBe('ada@example.com');
    await expect(v.verify(await token({ email: 'ada@example.com' }, { aud: 'other-app' }))).rejects.toThrow(
      'the token is for another audience',
    );
  });
});
