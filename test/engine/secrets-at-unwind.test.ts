import { afterEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { recordsSecrets } from '../../src/engine/secrets-at-unwind.js';
import { ConfigRepo } from '../support/config-repo.js';

let repo: ConfigRepo | undefined;
const engines: Engine[] = [];
const open = async (env: Record<string, string>) => {
  const e = await openEngine({ repoDir: repo!.dir, env });
  engines.push(e);
  return e;
};

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  repo?.remove();
  delete process.env.ORBIT_VAR_pw;
});

const service = (variable: string, reverse: string, params = '') => `${variable}
step {
  name    = "a"
  agent   = "exec"
  forward = ["true"]
  reverse = ["sh", "-c", "${reverse}"]
${params}}
`;

describe('an unwind reads config again only for deployments that may hold secrets', () => {
  it('tells them apart from what the deployment recorded', async () => {
    repo = new ConfigRepo();
    repo.commit({
      'services/plain/deploy.hcl': service('variable "env" {\n  default = "prod"\n}', 'true'),
      'services/secret/deploy.hcl': service(
        'variable "pw" {\n  sensitive = true\n  default = "hunter2-long"\n}',
        'true',
      ),
      'services/unset/deploy.hcl': service(
        'variable "pw" {\n  sensitive = true\n  type = string\n  default = null\n}',
        'true',
      ),
    });
    const engine = await open({});
    const report = await engine.reconcile();
    expect(report.outcomes.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const record = async (s: string) => (await engine.state.deployment(`${s}-1`))!;
    expect(recordsSecrets(await record('plain'))).toBe(false);
    expect(recordsSecrets(await record('secret'))).toBe(true);
    // No value to mask at deploy time, so no marker: it may still be sensitive, and set by now.
    expect(recordsSecrets(await record('unset'))).toBe(true);
  }, 120_000);

  it('masks a secret set only since the deployment in what the unwind prints', async () => {
    repo = new ConfigRepo();
    repo.commit({
      'services/web/deploy.hcl': service(
        'variable "pw" {\n  sensitive = true\n  type = string\n  default = null\n}',
        'echo rev=$ORBIT_VAR_pw',
        '  inherit_env = true\n',
      ),
    });
    const deployer = await open({});
    expect((await deployer.reconcile()).outcomes.map((o) => o.status)).toEqual(['succeeded']);
    await deployer.close();
    engines.splice(0);

    // The reverse inherits Orbit's environment, where the secret now is.
    process.env.ORBIT_VAR_pw = 'late-secret-value';
    const unwinder = await open({ ORBIT_VAR_pw: 'late-secret-value' });
    const unwound = await unwinder.unwind('web', 'tester');
    expect(unwound.status).toBe('unwound');
    const log = repo.git('log', '-p', 'orbit/state');
    expect(log).toContain('rev=(sensitive:pw)');
    expect(log).not.toContain('late-secret-value');
  }, 120_000);
});
