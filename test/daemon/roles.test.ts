/**
 * Identities and roles through the real daemon: tokens made by the real `orbit token create`, every
 * role against every route (allowed, or 403 naming the missing role), the author of each action
 * being the authenticated identity, and the CLI commands that go through the daemon.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { api, startTestDaemon, waitFor, type TestDaemon } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'orbit-tokens-'));
const tokensFile = path.join(dir, 'tokens');
const tokens: Record<string, string> = {};

async function create(name: string, ...args: string[]): Promise<string> {
  const r = await orbit(['token', 'create', name, ...args, '--tokens-file', tokensFile]);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  // The token alone on stdout, so `TOKEN=$(orbit token create ...)` holds just it.
  expect(r.stdout).toMatch(/^orbit_[0-9a-f]{18}_[A-Za-z0-9_-]{43}\n$/);
  return r.stdout.trim();
}

let repo: ConfigRepo;
let trace: Trace;
let daemon: TestDaemon;

beforeAll(async () => {
  tokens.viewer = await create('vic', '--role', 'viewer');
  tokens.deployer = await create('dee', '--role', 'deployer');
  tokens.approver = await create('abe', '--role', 'approver');
  tokens.admin = await create('ada', '--role', 'admin');
  tokens.webDeployer = await create('wes', '--role', 'deployer', '--services', 'web');
  // Deployer of the services named api-*: not of `api`, whose deployments are api-1, api-2, ...
  tokens.apiStar = await create('ape', '--role', 'deployer', '--services', 'api-*');
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit({
    'services/web/deploy.hcl': tracedService(trace, ['deploy']),
    'services/web/values.hcl': values('1'),
    'services/api/deploy.hcl': tracedService(trace, ['deploy']),
    'services/api/values.hcl': values('1'),
  });
  // No shared token: identities come from the tokens file only.
  daemon = await startTestDaemon({ repo: repo.dir, 'tokens-file': tokensFile }, { ORBIT_TOKEN: '' });
  await waitFor('web-1 and api-1', async () => {
    const [w, a] = await Promise.all(['web', 'api'].map((s) => daemon.engine.state.service(s)));
    return w?.current === 'web-1' && a?.current === 'api-1';
  });
});

afterAll(async () => {
  await daemon?.stop();
  repo?.remove();
});

const as = (who: keyof typeof tokens | null) => ({ token: who ? tokens[who]! : null });

describe('the tokens file', () => {
  it('holds no token, only names, roles and salted hashes', () => {
    const text = readFileSync(tokensFile, 'utf8');
    for (const t of Object.values(tokens)) {
      expect(text).not.toContain(t);
      // The secret is all after `orbit_<id>_` (it may hold `_` itself).
      expect(text).not.toContain(t.slice('orbit_'.length + 18 + 1));
    }
    expect(text).toMatch(/^wes deployer web [0-9a-f]{18} scrypt\$16384\$8\$1\$/m);
  });

  it('a token created while the daemon runs works at once; deleting its line revokes it', async () => {
    const late = await create('lee', '--role', 'viewer');
    expect((await api(daemon, 'GET', '/api/services', { token: late })).status).toBe(200);
    const text = readFileSync(tokensFile, 'utf8');
    writeFileSync(tokensFile, text.replace(/^lee .*\n/m, ''));
    expect((await api(daemon, 'GET', '/api/services', { token: late })).status).toBe(401);
    // A line that does not parse is ignored until the next start: the tokens read before stay.
    writeFileSync(tokensFile, `${readFileSync(tokensFile, 'utf8')}broken line\n`);
    expect((await api(daemon, 'GET', '/api/services', as('viewer'))).status).toBe(200);
    writeFileSync(tokensFile, text.replace(/^lee .*\n/m, ''));
  });

  it('a bad token is 401 with the same answer whether its id exists or not', async () => {
    const [, id] = tokens.deployer!.split('_');
    const answers = await Promise.all(
      [`orbit_${id}_${'A'.repeat(43)}`, `orbit_${'0'.repeat(18)}_${'A'.repeat(43)}`, 'garbage'].map((token) =>
        api(daemon, 'GET', '/api/services', { token }),
      ),
    );
    for (const a of answers)
      expect(a).toEqual({
        status: 401,
        body: { error: { code: 'E_UNAUTHORIZED', message: 'missing or wrong bearer token' } },
      });
    expect(await api(daemon, 'GET', '/api/services', as(null))).toMatchObject({ status: 401 });
  });
});

describe('every role against every route', () => {
  const reads = ['/api/services', '/api/services/web', '/api/services/web/history', '/api/deployments/web-1'];

  it('reads need at least viewer; a service-limited token sees only its services', async () => {
    for (const who of ['viewer', 'deployer', 'approver', 'admin', 'webDeployer'] as const)
      for (const route of reads)
        expect((await api(daemon, 'GET', route, as(who))).status, `${who} ${route}`).toBe(200);
    for (const route of reads) expect((await api(daemon, 'GET', route, as(null))).status).toBe(401);

    const list = await api(daemon, 'GET', '/api/services', as('webDeployer'));
    expect(list.body.services.map((s: { service: string }) => s.service)).toEqual(['web']);
    // Each caller's list is kept apart (src/daemon/services-answer.ts): the admin's is whole again.
    const whole = await api(daemon, 'GET', '/api/services', as('admin'));
    expect(whole.body.services.map((s: { service: string }) => s.service)).toEqual(['api', 'web']);
    expect(await api(daemon, 'GET', '/api/services/api', as('webDeployer'))).toMatchObject({
      status: 403,
      body: {
        error: {
          code: 'E_FORBIDDEN',
          message: 'wes may not GET /api/services/:service: it needs the viewer role for api',
        },
      },
    });
    // Health and metrics stay open (load balancers, Prometheus).
    expect((await api(daemon, 'GET', '/healthz', as(null))).status).toBe(200);
    expect((await api(daemon, 'GET', '/metrics', as(null))).status).toBe(200);
  });

  it('refuses unwind, redeploy and ack without the role (403 naming it), and runs nothing', async () => {
    const before = daemon.entries.length;
    const refused: Array<[keyof typeof tokens, string, string]> = [
      ['viewer', '/api/services/web/unwind', 'deployer'],
      ['approver', '/api/services/web/unwind', 'deployer'],
      ['viewer', '/api/services/web/redeploy', 'deployer'],
      ['approver', '/api/services/web/redeploy', 'deployer'],
      ['webDeployer', '/api/services/api/unwind', 'deployer'],
      ['webDeployer', '/api/services/api/redeploy', 'deployer'],
      // `:target` may be a deployment id: api-1 is api's, whatever `api-*` makes of the text.
      ['apiStar', '/api/services/api-1/unwind', 'deployer'],
      ['viewer', '/api/deployments/web-1/ack', 'approver'],
      ['deployer', '/api/deployments/web-1/ack', 'approver'],
      ['webDeployer', '/api/deployments/web-1/ack', 'approver'],
    ];
    for (const [who, route, role] of refused) {
      const r = await api(daemon, 'POST', route, as(who));
      expect(r.status, `${who} ${route}`).toBe(403);
      expect(r.body.error.code).toBe('E_FORBIDDEN');
      expect(r.body.error.message).toContain(`needs the ${role} role`);
      expect(r.body.error.data).toMatchObject({ role });
    }
    for (const route of ['/api/services/web/unwind', '/api/deployments/web-1/ack'])
      expect((await api(daemon, 'POST', route, as(null))).status).toBe(401);
    expect(daemon.entries.length).toBe(before);
  });

  it('lets each role do what it holds, recorded as the identity, whatever the body says', async () => {
    // approver and admin reach the ack itself: nothing is waiting.
    for (const who of ['approver', 'admin'] as const)
      expect(await api(daemon, 'POST', '/api/deployments/web-1/ack', as(who))).toMatchObject({
        status: 409,
        body: { error: { code: 'E_NOTHING_TO_ACK' } },
      });

    const unwound = await api(daemon, 'POST', '/api/services/web/unwind', {
      ...as('deployer'),
      body: { author: 'mallory' },
    });
    expect(unwound).toMatchObject({
      status: 200,
      body: { deployment: { status: 'unwound', unwind: { author: 'dee' } } },
    });
    const redeployed = await api(daemon, 'POST', '/api/services/web/redeploy', as('webDeployer'));
    expect(redeployed).toMatchObject({
      status: 200,
      body: { deployment: { status: 'succeeded', author: 'wes' } },
    });
    const id = redeployed.body.deployment.deploy_id as string;
    expect((await api(daemon, 'POST', '/api/services/api/unwind', as('admin'))).status).toBe(200);
    expect((await api(daemon, 'POST', '/api/services/api/redeploy', as('admin'))).status).toBe(200);

    // `git log orbit/state` says who, verified, on every entry a person caused.
    const log = repo.git('log', '--format=%B%x1e', 'orbit/state').split('\x1e');
    const of = (deployment: string) => log.filter((m) => m.includes(`Orbit-Deployment: ${deployment}\n`));
    const unwindEntries = of('web-1').filter((m) =>
      /Orbit-Event: (unwind-started|step-reversed|deploy-unwound)/.test(m),
    );
    expect(unwindEntries).toHaveLength(3);
    for (const m of unwindEntries) {
      expect(m).toContain('Orbit-Author: dee\n');
      expect(m).toMatch(/Orbit-Verified-By: token dee \([0-9a-f]{18}\)/);
    }
    for (const m of of(id)) expect(m).toMatch(/Orbit-Author: wes\nOrbit-Verified-By: token wes /);
    expect(log.join('')).not.toContain('mallory');
  });
});

describe('the CLI through the daemon', () => {
  it('unwind, redeploy and ack answer as the token allows', async () => {
    const cli = (who: keyof typeof tokens, ...args: string[]) =>
      orbit([...args, '--repo', repo.dir], { env: { ORBIT_TOKEN: tokens[who]!, ORBIT_USER: 'mallory' } });
    for (const [who, args, role] of [
      ['viewer', ['unwind', 'web'], 'deployer'],
      ['approver', ['redeploy', 'web'], 'deployer'],
      ['deployer', ['ack', 'web-1'], 'approver'],
    ] as const) {
      const r = await cli(who, ...args);
      expect(r.code, `${who} ${args.join(' ')}`).toBe(1);
      expect(r.stderr).toContain(`needs the ${role} role`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // The approver passes the role check and reaches the ack itself: nothing is waiting.
    const ack = await cli('approver', 'ack', 'web-1');
    expect(ack.code).toBe(1);
    expect(ack.stderr).toContain('has no step waiting for approval');
    const unwound = await cli('deployer', 'unwind', 'web', '--json');
    expect(unwound.code).toBe(0);
    expect(JSON.parse(unwound.stdout)).toMatchObject({ status: 'unwound', unwind: { author: 'dee' } });
    const again = await cli('deployer', 'redeploy', 'web', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'succeeded', author: 'dee' });
    // Reading: with a token through the daemon, as that identity.
    const status = await cli('webDeployer', 'status', '--json');
    expect(JSON.parse(status.stdout).map((s: { service: string }) => s.service)).toEqual(['web']);
  });
});

describe('bad input', () => {
  it('a malformed tokens file stops the daemon at start with the file and line (exit 2)', async () => {
    const bad = path.join(dir, 'bad-tokens');
    writeFileSync(bad, `${readFileSync(tokensFile, 'utf8')}eve superuser * 0123 x\n`);
    const lines = readFileSync(bad, 'utf8').split('\n').length - 1;
    const r = await orbit(['daemon', '--repo', repo.dir, '--tokens-file', bad, '--listen', '127.0.0.1:0'], {
      env: { ORBIT_TOKEN: '' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `orbit: ${bad}:${lines}: unknown role "superuser"; roles: viewer, deployer, approver, admin\n(run with --help for usage)\n`,
    );
  });

  it('orbit token create refuses an unknown role or a missing file, and writes nothing', async () => {
    const before = readFileSync(tokensFile, 'utf8');
    const r = await orbit(['token', 'create', 'x', '--role', 'root', '--tokens-file', tokensFile]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('--role root is not a role');
    const none = await orbit(['token', 'create', 'x', '--role', 'viewer'], {
      env: { ORBIT_TOKENS_FILE: '' },
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--tokens-file');
    expect(readFileSync(tokensFile, 'utf8')).toBe(before);
  });
});
