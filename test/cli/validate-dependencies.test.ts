/** `depends_on` bad input: unknown services, cycles, malformed entries, dependency.* reads, at file:line:col. */
import { describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import { ConfigRepo } from '../support/config-repo.js';
import { makeRepo } from '../config/helpers.js';
import { runCli } from './cli-capture.js';

const STEP = 'step {\n  name = "a"\n  agent = "exec"\n  forward = ["true"]\n}\n';
const dependsOn = (...names: string[]) => `depends_on = [${names.map((n) => `"${n}"`).join(', ')}]\n${STEP}`;

describe('orbit validate: depends_on', () => {
  it('rejects a service the repository does not have, at the name, with a suggestion', async () => {
    const repo = await makeRepo({
      'services/db/deploy.hcl': STEP,
      'services/api/deploy.hcl': dependsOn('dbb'),
    });
    const r = await runCli(['validate', '--repo', repo]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('ok db\n');
    expect(r.stderr.trim().split('\n')).toEqual([
      'services/api/deploy.hcl:1:16: depends_on: no service "dbb" in this repository (no services/dbb/deploy.hcl); did you mean "db"? [E_UNKNOWN_DEPENDENCY]',
    ]);
  });

  it('rejects a cycle at every edge of it, also when only one of its files is checked', async () => {
    const repo = await makeRepo({
      'services/a/deploy.hcl': dependsOn('b'),
      'services/b/deploy.hcl': dependsOn('c'),
      'services/c/deploy.hcl': dependsOn('x', 'a'),
      'services/x/deploy.hcl': STEP,
    });
    const r = await runCli(['validate', '--repo', repo]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('ok x\n');
    expect(r.stderr.trim().split('\n')).toEqual([
      'services/a/deploy.hcl:1:16: depends_on makes a cycle: a → b → c → a [E_DEPENDENCY_CYCLE]',
      'services/b/deploy.hcl:1:16: depends_on makes a cycle: a → b → c → a [E_DEPENDENCY_CYCLE]',
      'services/c/deploy.hcl:1:21: depends_on makes a cycle: a → b → c → a [E_DEPENDENCY_CYCLE]',
    ]);
    const one = await runCli(['validate', '--repo', repo, `${repo}/services/b/deploy.hcl`]);
    expect(one.code).toBe(1);
    expect(one.stderr.trim().split('\n')).toEqual([
      'services/b/deploy.hcl:1:16: depends_on makes a cycle: a → b → c → a [E_DEPENDENCY_CYCLE]',
    ]);
  });

  it('rejects malformed entries and a dependency.* read of a service not in depends_on', async () => {
    const repo = await makeRepo({
      'services/db/deploy.hcl': STEP,
      'services/api/deploy.hcl': `depends_on = ["db", "db", "api", var.x]
step {
  name    = "a"
  agent   = "exec"
  forward = ["echo", dependency.cache.var.v, dependency.db.bogus]
}
`,
      'services/web/deploy.hcl': `depends_on = "db"\n${STEP}`,
    });
    const r = await runCli(['validate', '--repo', repo]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'services/api/deploy.hcl:1:22: depends_on: db is listed twice [E_BAD_DEPENDS_ON]',
        'services/api/deploy.hcl:1:28: depends_on: api cannot depend on itself [E_BAD_DEPENDS_ON]',
        expect.stringMatching(
          /^services\/api\/deploy\.hcl:1:34: each entry of depends_on must be a service name in quotes .*\[E_BAD_DEPENDS_ON\]$/,
        ),
        expect.stringMatching(
          /^services\/api\/deploy\.hcl:5:22: unknown reference "dependency\.cache".*\[E_UNKNOWN_REFERENCE\]$/,
        ),
        expect.stringMatching(
          /^services\/api\/deploy\.hcl:5:46: unknown reference "dependency\.db\.bogus".*\[E_UNKNOWN_REFERENCE\]$/,
        ),
        'services/web/deploy.hcl:1:15: depends_on must be a list of service names, e.g. depends_on = ["db"] [E_BAD_DEPENDS_ON]',
      ]),
    );
    expect(lines.every((l) => /^services\/(api|web)\/deploy\.hcl:\d+:\d+: .* \[E_[A-Z_]+\]$/.test(l))).toBe(
      true,
    );
  });

  it('the engine rejects a commit whose depends_on makes a cycle, and deploys nothing of it', async () => {
    const repo = new ConfigRepo();
    try {
      repo.commit({ 'services/a/deploy.hcl': STEP, 'services/b/deploy.hcl': dependsOn('a') });
      const engine = await openEngine({ repoDir: repo.dir, env: {} });
      try {
        await engine.reconcile();
        repo.commit({ 'services/a/deploy.hcl': dependsOn('b') });
        const report = await engine.reconcile();
        expect(report.outcomes).toMatchObject([
          {
            service: 'a',
            status: 'rejected',
            error: {
              code: 'E_CONFIG_INVALID',
              message: 'services/a/deploy.hcl:1:16: depends_on makes a cycle: a → b → a [E_DEPENDENCY_CYCLE]',
            },
          },
        ]);
        expect((await engine.status()).find((s) => s.service === 'a')?.sync_reason?.code).toBe(
          'rejected-commit',
        );
      } finally {
        await engine.close();
      }
    } finally {
      repo.remove();
    }
  });
});
