import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRemote, parseListen, resolveSettings } from '../../src/daemon/settings.js';
import { isOrbitError } from '../../src/util/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-settings-'));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('daemon settings', () => {
  it('flags beat ORBIT_* variables, which beat the config file, which beats defaults', () => {
    const config = file(
      'c.json',
      JSON.stringify({ repo: '/from/file', branch: 'file', 'poll-interval': '5m', listen: ':9000' }),
    );
    const s = resolveSettings(
      { config, branch: 'flag' },
      { ORBIT_BRANCH: 'env', ORBIT_POLL_INTERVAL: '30s' },
    );
    expect(s).toMatchObject({
      repo: '/from/file',
      remote: false,
      branch: 'flag',
      pollIntervalMs: 30_000,
      host: '127.0.0.1',
      port: 9000,
      stateBranch: 'orbit/state',
    });
  });

  it('takes the evaluation timeout and the state signing files from flags, env or file', () => {
    expect(resolveSettings({ repo: '.' }, {}).evalTimeoutMs).toBe(10_000);
    const s = resolveSettings(
      { repo: '.', 'eval-timeout': '30s', 'state-signing-key': '/keys/orbit' },
      { ORBIT_STATE_ALLOWED_SIGNERS: '/keys/allowed', ORBIT_STATE_SIGNED_SINCE: 'a'.repeat(40) },
    );
    expect(s).toMatchObject({
      evalTimeoutMs: 30_000,
      stateSigning: {
        keyFile: '/keys/orbit',
        allowedSignersFile: '/keys/allowed',
        signedSince: 'a'.repeat(40),
      },
    });
  });

  it('reads secrets from files or the environment', () => {
    const tokenFile = file('token', 's3cret\n');
    const s = resolveSettings(
      { repo: '.', 'token-file': tokenFile },
      { ORBIT_TOKEN: 'ignored', ORBIT_WEBHOOK_SECRET: 'w' },
    );
    expect(s).toMatchObject({ token: 's3cret', tokenFile, webhookSecret: 'w' });
    expect(resolveSettings({ repo: '.' }, {}).token).toBeNull();
  });

  it('rejects what it cannot use with E_DAEMON_CONFIG', () => {
    for (const flags of [
      {},
      { repo: '.', listen: 'nope' },
      { repo: '.', 'poll-interval': 'soon' },
      { repo: '.', 'max-parallel': '0' },
      { repo: '.', 'eval-timeout': 'forever' },
      { repo: '.', 'eval-timeout': '10ms' },
      { repo: '.', config: file('bad.json', '{"colour": "blue"}') },
      { repo: '.', 'token-file': path.join(dir, 'missing') },
      { repo: '.', 'log-level': 'shout' },
    ]) {
      let err: unknown = null;
      try {
        resolveSettings(flags, {});
      } catch (e) {
        err = e;
      }
      expect(isOrbitError(err, 'E_DAEMON_CONFIG')).toBe(true);
    }
  });

  it('takes the tokens file, anonymous-read and the oidc object (config file only)', () => {
    const keys = file('jwks.json', JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] }));
    const config = file(
      'oidc.json',
      JSON.stringify({
        oidc: { issuer: 'https://sso', audience: 'orbit', jwks_file: keys },
        'anonymous-read': true,
      }),
    );
    const s = resolveSettings({ repo: '/r', config }, { ORBIT_TOKENS_FILE: 'tokens' });
    expect(s).toMatchObject({
      tokensFile: path.resolve('tokens'),
      anonymousRead: true,
      oidc: { issuer: 'https://sso', audience: 'orbit', jwksUrl: null, nameClaim: 'sub', rules: [] },
    });
    expect(resolveSettings({ repo: '/r' }, {}).anonymousRead).toBe(false);
    expect(() => resolveSettings({ repo: '/r', 'anonymous-read': 'yes' }, {})).toThrow(
      '--anonymous-read must be true or false, got "yes"',
    );
  });

  it('tells remotes from paths, and parses listen addresses', () => {
    expect(
      ['https://github.com/a/b.git', 'ssh://git@host/x', 'git@github.com:a/b.git', 'file:///srv/x'].every(
        isRemote,
      ),
    ).toBe(true);
    expect(['./config', '/srv/config', 'C'].some(isRemote)).toBe(false);
    expect(parseListen('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseListen('[::1]:7420')).toEqual({ host: '::1', port: 7420 });
    expect(parseListen('7420')).toEqual({ host: '127.0.0.1', port: 7420 });
  });
});
