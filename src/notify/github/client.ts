/**
 * The GitHub client, from the environment: `ORBIT_GITHUB_REPOSITORY` (owner/name, else
 * `GITHUB_REPOSITORY`), and a token (`ORBIT_GITHUB_TOKEN`, else `GITHUB_TOKEN`) or GitHub App
 * credentials (`ORBIT_GITHUB_APP_ID`, `ORBIT_GITHUB_APP_PRIVATE_KEY` or `..._FILE`,
 * `ORBIT_GITHUB_APP_INSTALLATION_ID`). `ORBIT_GITHUB_API_URL` points at GitHub Enterprise Server.
 */
import fs from 'node:fs';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { OrbitError } from '../../util/errors.js';
import { DeliveryError } from '../send.js';

export interface GitHubRepo {
  octokit: Octokit;
  owner: string;
  repo: string;
}

type Env = Record<string, string | undefined>;

/** null when no repository or no credentials are configured (GitHub reporting is off). */
export function githubFromEnv(env: Env): GitHubRepo | null {
  const slug = env.ORBIT_GITHUB_REPOSITORY || env.GITHUB_REPOSITORY;
  if (!slug) return null;
  const [owner, repo, extra] = slug.split('/');
  if (!owner || !repo || extra !== undefined)
    throw new OrbitError(
      'E_GITHUB_SETUP',
      `ORBIT_GITHUB_REPOSITORY must be owner/name, not ${JSON.stringify(slug)}`,
    );
  const baseUrl = (env.ORBIT_GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const common = { baseUrl, userAgent: 'orbit-deploy', log: quiet };
  const token = env.ORBIT_GITHUB_TOKEN || env.GITHUB_TOKEN;
  if (token) return { octokit: new Octokit({ ...common, auth: token }), owner, repo };
  const appId = env.ORBIT_GITHUB_APP_ID;
  if (!appId) return null;
  const privateKey =
    env.ORBIT_GITHUB_APP_PRIVATE_KEY ||
    (env.ORBIT_GITHUB_APP_PRIVATE_KEY_FILE
      ? fs.readFileSync(env.ORBIT_GITHUB_APP_PRIVATE_KEY_FILE, 'utf8')
      : '');
  const installationId = Number(env.ORBIT_GITHUB_APP_INSTALLATION_ID);
  if (!privateKey || !Number.isInteger(installationId) || installationId <= 0)
    throw new OrbitError(
      'E_GITHUB_SETUP',
      'a GitHub App needs ORBIT_GITHUB_APP_PRIVATE_KEY (or _FILE) and ORBIT_GITHUB_APP_INSTALLATION_ID',
    );
  const octokit = new Octokit({
    ...common,
    authStrategy: createAppAuth,
    auth: { appId, privateKey, installationId },
  });
  return { octokit, owner, repo };
}

/** Octokit logs request failures itself; Orbit reports them once, masked, through its own log. */
const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A GitHub failure as a delivery failure: 4xx (but 408/429) are not retried. */
export function githubFailure(err: unknown, what: string): DeliveryError {
  const status =
    typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : null;
  const retry = status === null || status >= 500 || status === 408 || status === 429;
  return new DeliveryError(
    `GitHub ${what}: ${status === null ? 'request failed' : `answered ${status}`}`,
    retry,
    status,
  );
}
