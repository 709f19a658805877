/**
 * The git host in the loop. GitHub cannot be reached from here: a loopback server STANDS IN FOR
 * GITHUB (./github-stand-in.ts), checking every request the real `@octokit/rest` client makes
 * against GitHub's published OpenAPI description and answering with the documented statuses and
 * example bodies.
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigRepo, values } from '../support/config-repo.js';
import { orbit } from '../support/cli.js';
import { waitUntil } from '../support/wait.js';
import { startGitHubStandIn, type GitHubStandIn } from './github-stand-in.js';
import { API_TOKEN, startNotifyDaemon, type NotifyDaemon } from './helpers.js';

const DEPLOY = `variable "version" {}
step {
  name    = "release"
  agent   = "exec"
  forward = ["sh", "-c", "test \\"$ORBIT_VAR_version\\" != 2"]
}
`;

let gh: GitHubStandIn;
beforeAll(async () => {
  gh = await startGitHubStandIn();
}, 60_000);
afterAll(async () => {
  await gh?.close();
});

describe('the GitHub stand-in', () => {
  it('refuses, as GitHub does, a request its OpenAPI description does not allow', async () => {
    const { Octokit } = await import('@octokit/rest');
    const octokit = new Octokit({
      baseUrl: gh.url,
      auth: 't',
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const before = gh.violations.length;
    const requestsBefore = gh.requests.length;
    const route: string = 'POST /repos/{owner}/{repo}/statuses/{sha}';
    await expect(
      // Untyped on purpose: the typed client would not let this bad state through.
      octokit.request(route, {
        owner: 'o',
        repo: 'r',
        sha: 'abc',
        state: 'done',
      }),
    ).rejects.toMatchObject({ status: 422 });
    expect(gh.violations.slice(before)).toEqual([
      expect.stringMatching(/repos\/create-commit-status: body\/state/),
    ]);
    // Later tests check every request and violation from their own runs.
    gh.violations.length = before;
    gh.requests.length = requestsBefore;
  });
});

describe('commit statuses and deployments', () => {
  let repo: ConfigRepo;
  let d: NotifyDaemon;
  let first: string;
  let second: string;

  beforeAll(async () => {
    repo = new ConfigRepo();
    first = repo.commit({ 'services/web/deploy.hcl': DEPLOY, 'services/web/values.hcl': values('1') });
    d = await startNotifyDaemon(repo.dir, {
      ORBIT_GITHUB_REPOSITORY: 'octo-org/config',
      ORBIT_GITHUB_TOKEN: 'ghp_standin_token',
      ORBIT_GITHUB_API_URL: gh.url,
      ORBIT_DASHBOARD_URL: 'https://orbit.example.com',
    });
    await waitUntil('web-1 deployed', () => d.entries.some((e) => e.kind === 'deploy-succeeded'));
    second = repo.commit({ 'services/web/values.hcl': values('2') });
    await waitUntil('web-2 unwound', () => d.entries.some((e) => e.kind === 'deploy-unwound'));
    const res = await fetch(`${d.daemon.url}/api/services/web/unwind`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ author: 'Bob <bob@example.com>' }),
    });
    expect(res.status).toBeLessThan(300);
    await waitUntil('web-1 marked inactive on GitHub', () =>
      gh.deployments.find((x) => x.sha === first)?.statuses.some((s) => s.state === 'inactive'),
    );
  }, 60_000);

  afterAll(async () => {
    await d?.daemon.stop();
    repo?.remove();
  });

  it('makes only requests that GitHub documents, authenticated with the token', () => {
    expect(gh.violations).toEqual([]);
    expect(gh.requests.length).toBeGreaterThan(0);
    expect(new Set(gh.requests.map((r) => r.authorization))).toEqual(new Set(['token ghp_standin_token']));
    expect(new Set(gh.requests.map((r) => `${r.params.owner}/${r.params.repo}`))).toEqual(
      new Set(['octo-org/config']),
    );
  });

  it('sets orbit/<service> on the config commit: pending, then success or failure with the reason', () => {
    const of = (sha: string) => gh.statuses.filter((s) => s.sha === sha);
    expect(of(first).map((s) => [s.context, s.state])).toEqual([
      ['orbit/web', 'pending'],
      ['orbit/web', 'success'],
    ]);
    expect(of(first)[1]).toMatchObject({ target_url: 'https://orbit.example.com/api/deployments/web-1' });
    expect(of(second).map((s) => s.state)).toEqual(['pending', 'failure']);
    expect(of(second)[1]!.description).toMatch(/^release: E_STEP_FAILED/);
  });

  it('records a GitHub Deployment per deployment in the service environment, inactive once unwound', () => {
    expect(gh.deployments.map((x) => [x.sha, x.environment, x.payload])).toEqual([
      [first, 'web', { orbit_deployment: 'web-1' }],
      [second, 'web', { orbit_deployment: 'web-2' }],
    ]);
    expect(gh.deployments.map((x) => x.statuses.map((s) => s.state))).toEqual([
      ['in_progress', 'success', 'inactive'],
      ['in_progress', 'failure'],
    ]);
  });
});

describe('GitHub App credentials', () => {
  it('exchanges a JWT signed with the app key for an installation token, then uses it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const repo = new ConfigRepo();
    repo.commit({ 'services/api/deploy.hcl': DEPLOY, 'services/api/values.hcl': values('1') });
    const before = gh.requests.length;
    const d = await startNotifyDaemon(repo.dir, {
      ORBIT_GITHUB_REPOSITORY: 'octo-org/config',
      ORBIT_GITHUB_APP_ID: '4242',
      ORBIT_GITHUB_APP_PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      ORBIT_GITHUB_APP_INSTALLATION_ID: '77',
      ORBIT_GITHUB_API_URL: gh.url,
    });
    try {
      await waitUntil('api-1 reported as success', () =>
        gh.statuses.some((s) => s.context === 'orbit/api' && s.state === 'success'),
      );
      const mine = gh.requests.slice(before);
      const exchange = mine.find((r) => r.operationId === 'apps/create-installation-access-token')!;
      expect(exchange.params.installation_id).toBe('77');
      const jwt = exchange.authorization!.replace(/^bearer /i, '');
      const [h, p, sig] = jwt.split('.');
      const verifier = createVerify('RSA-SHA256').update(`${h}.${p}`);
      expect(verifier.verify(publicKey, Buffer.from(sig!, 'base64url'))).toBe(true);
      expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toMatchObject({ iss: '4242' });
      const rest = mine.filter((r) => r.operationId !== 'apps/create-installation-access-token');
      expect(new Set(rest.map((r) => r.authorization))).toEqual(
        new Set(['token ghs_installation_token_from_stand_in']),
      );
      expect(gh.violations).toEqual([]);
    } finally {
      await d.daemon.stop();
      repo.remove();
    }
  }, 60_000);
});

describe('bad GitHub settings', () => {
  it('stop the daemon from starting, with the setting named, and release the state lock', async () => {
    const repo = new ConfigRepo();
    repo.commit({ 'services/web/deploy.hcl': DEPLOY, 'services/web/values.hcl': values('1') });
    try {
      await expect(
        startNotifyDaemon(repo.dir, { ORBIT_GITHUB_REPOSITORY: 'no-slash', ORBIT_GITHUB_TOKEN: 't' }),
      ).rejects.toMatchObject({
        code: 'E_GITHUB_SETUP',
        message: expect.stringMatching(/ORBIT_GITHUB_REPOSITORY must be owner\/name/),
      });
      const d = await startNotifyDaemon(repo.dir, {});
      await d.daemon.stop();
    } finally {
      repo.remove();
    }
  }, 60_000);
});

describe('orbit preview --post', () => {
  it('posts the preview on the pull request, then updates that same comment', async () => {
    const repo = new ConfigRepo();
    repo.commit({ 'services/web/deploy.hcl': DEPLOY, 'services/web/values.hcl': values('1') });
    repo.commit({ 'services/web/values.hcl': values('1.1') });
    const env = {
      ORBIT_GITHUB_REPOSITORY: 'octo-org/config',
      ORBIT_GITHUB_TOKEN: 'ghp_standin_token',
      ORBIT_GITHUB_API_URL: gh.url,
    };
    // Someone else pasted the marker first: their comment is not Orbit's to keep the preview in.
    const planted = { id: 1, issue: 12, body: '<!-- orbit-preview -->\nall fine, merge it', user: 'mallory' };
    gh.comments.push(planted);
    try {
      const one = await orbit(['preview', 'HEAD~1..HEAD', '--post', '12'], { cwd: repo.dir, env });
      expect(one.stderr).toMatch(/preview posted on pull request #12: https:\/\/github\.com\//);
      expect(one.code).toBe(0);
      repo.commit({ 'services/web/values.hcl': values('1.2') });
      const two = await orbit(['preview', 'HEAD~2..HEAD', '--post'], {
        cwd: repo.dir,
        env: { ...env, GITHUB_REF: 'refs/pull/12/merge' },
      });
      expect(two.stderr).toMatch(/preview updated on pull request #12/);
      expect(planted.body).toBe('<!-- orbit-preview -->\nall fine, merge it');
      const onPr = gh.comments.filter((c) => c.issue === 12 && c.user === 'orbit-bot');
      expect(onPr).toHaveLength(1);
      expect(onPr[0]!.body).toContain('Orbit preview: `HEAD~2..HEAD`');
      expect(onPr[0]!.body.startsWith('<!-- orbit-preview -->')).toBe(true);
      expect(gh.violations).toEqual([]);
    } finally {
      repo.remove();
    }
  }, 60_000);

  it('refuses --post without a pull request or credentials (usage error, exit 2)', async () => {
    const repo = new ConfigRepo();
    repo.commit({ 'services/web/deploy.hcl': DEPLOY, 'services/web/values.hcl': values('1') });
    repo.commit({ 'services/web/values.hcl': values('2') });
    try {
      const noPr = await orbit(['preview', 'HEAD~1..HEAD', '--post'], {
        cwd: repo.dir,
        env: { ORBIT_GITHUB_REPOSITORY: 'o/r', ORBIT_GITHUB_TOKEN: 't', GITHUB_REF: '', ORBIT_GITHUB_PR: '' },
      });
      expect(noPr.code).toBe(2);
      expect(noPr.stderr).toMatch(/--post needs a pull request number/);
      const noCreds = await orbit(['preview', 'HEAD~1..HEAD', '--post', '3'], {
        cwd: repo.dir,
        env: { ORBIT_GITHUB_REPOSITORY: '', GITHUB_REPOSITORY: '', ORBIT_GITHUB_TOKEN: '', GITHUB_TOKEN: '' },
      });
      expect(noCreds.code).toBe(2);
      expect(noCreds.stderr).toMatch(/--post needs ORBIT_GITHUB_REPOSITORY/);
      expect(noCreds.stderr).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      repo.remove();
    }
  }, 60_000);
});
