import { afterAll, describe, expect, it } from 'vitest';
import { IsolatedLoader, variableEnv } from '../../src/config/isolated-load.js';
import { loadService, readServiceSources } from '../../src/config/load.js';
import { resolveVariables } from '../../src/config/render.js';
import { isOrbitError } from '../../src/util/errors.js';
import { ConfigRepo } from '../support/config-repo.js';
import { bomb } from '../support/hostile-hcl.js';
import { waitFor } from '../daemon/helpers.js';

const repo = new ConfigRepo();
const loader = new IsolatedLoader({ timeoutMs: 60_000 });
afterAll(async () => {
  await loader.close();
  repo.remove();
});

const DEPLOY = `variable "version" {}
variable "password" {
  sensitive = true
}
const {
  tag = "v\${var.version}"
}
step {
  name    = "build"
  agent   = "exec"
  forward = ["echo", const.tag, var.password]
}
step {
  name    = "deploy"
  agent   = "exec"
  forward = ["echo", "\${step.build.output.url}"]
}
`;

describe('config evaluated in a worker thread', () => {
  it('gives the engine exactly what loading in its own thread gives, secrets included', async () => {
    const commit = repo.commit({
      'services/web/deploy.hcl': DEPLOY,
      'services/web/values.hcl': 'version = "3"\n',
    });
    const env = { ORBIT_VAR_password: 's3cret', HOME: '/nope', ORBIT_TOKEN: 'not-for-config' };
    const isolated = await loader.load({
      repoDir: repo.dir,
      service: 'web',
      ref: commit,
      env: variableEnv(env),
    });
    const spec = await loadService(repo.dir, 'web', { ref: commit });
    expect(isolated.spec).toEqual(spec);
    expect(isolated.vars).toEqual(resolveVariables(spec, {}, env));
    expect(isolated.vars.secrets).toEqual([{ name: 'password', value: 's3cret', raw: 's3cret' }]);
    expect(variableEnv(env)).toEqual({ ORBIT_VAR_password: 's3cret' });
  });

  it('reports invalid config as the same ConfigError, and an unknown service with its code', async () => {
    const commit = repo.commit({ 'services/bad/deploy.hcl': 'step {\n  name = 1\n' });
    const err = await loader
      .load({ repoDir: repo.dir, service: 'bad', ref: commit, env: {} })
      .catch((e: unknown) => e);
    const direct = await loadService(repo.dir, 'bad', { ref: commit }).catch((e: unknown) => e);
    expect(isOrbitError(err) && err.code).toBe('E_CONFIG_INVALID');
    expect((err as { diagnostics: unknown }).diagnostics).toEqual(
      (direct as { diagnostics: unknown }).diagnostics,
    );
    const unknown = await loader
      .load({ repoDir: repo.dir, service: 'nope', ref: commit, env: {} })
      .catch((e: unknown) => e);
    expect(isOrbitError(unknown) && unknown.code).toBe('E_UNKNOWN_SERVICE');
  });

  it('drops a runaway load on abort (SIGTERM) and keeps the loads an unwind needs', async () => {
    // The bomb stops itself at the evaluation budget (1,000,000 operations, ~60 ms here), so on a
    // loaded machine it can be over before it is seen in flight: then it is tried again, and the
    // abort is only ever tested on a load that is running.
    for (let attempt = 1; ; attempt++) {
      const commit = repo.commit({
        'services/bomb/deploy.hcl': bomb(`v${attempt}`),
        'services/ok/deploy.hcl': 'step {\n  name = "a"\n  agent = "exec"\n  forward = ["true"]\n}\n',
      });
      let settled = false;
      const runaway = loader
        .load({ repoDir: repo.dir, service: 'bomb', ref: commit, env: {} })
        .catch((e: unknown) => e)
        .finally(() => (settled = true));
      const inFlight = await waitFor(
        'bomb in flight or over',
        () => (loader.evaluating()?.service === 'bomb' ? 'running' : settled && 'over'),
        60_000,
      );
      if (inFlight === 'over' && attempt < 5) continue;
      expect(inFlight).toBe('running');
      const needed = loader.load(
        { repoDir: repo.dir, service: 'ok', ref: commit, env: {} },
        { abortable: false },
      );
      await loader.abort();
      const err = await runaway;
      expect(isOrbitError(err) && err.code).toBe('E_SHUTTING_DOWN');
      expect((await needed).spec.steps.map((s) => s.name)).toEqual(['a']);
      return;
    }
  }, 120_000);

  it('evaluates the texts it is given as read at the commit, without reading them again', async () => {
    const own = new ConfigRepo();
    const commit = own.commit({ 'services/given/deploy.hcl': DEPLOY.replaceAll('build', 'in_git') });
    const sources = await readServiceSources(own.dir, 'given', commit);
    own.remove(); // nothing left to read: the texts come with the request
    const spec = await loader.spec({ repoDir: own.dir, service: 'given', ref: commit, sources });
    expect(spec.steps.map((s) => s.name)).toEqual(['in_git', 'deploy']);
  });
});
