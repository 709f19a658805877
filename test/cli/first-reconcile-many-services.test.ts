/**
 * A first `orbit reconcile` of 2,000 services under a file-descriptor limit of 256 (the real CLI,
 * started by `sh -c 'ulimit -n 256; exec …'`): loading every service at once used to start git
 * processes for each (and list the whole tree for each), and crashed with `spawn git EMFILE`.
 * Not timed: it asserts that every service got its deployment, from the state log.
 */
import { spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { openStateLog } from '../../src/state/index.js';
import { ORBIT_BIN } from '../support/cli.js';
import { ConfigRepo } from '../support/config-repo.js';

const SERVICES = 2000;

const PLAN = `variable "version" {}
step {
  name    = "noop"
  agent   = "exec"
  forward = ["true"]
  reverse = ["true"]
}
`;

let repo: ConfigRepo | undefined;
afterEach(() => repo?.remove());

function reconcileUnderLimit(dir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'sh',
      ['-c', 'ulimit -n 256 && exec "$0" "$@"', process.execPath, ORBIT_BIN, 'reconcile', '--repo', dir],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

it(
  `a first reconcile of ${SERVICES} services succeeds with ulimit -n 256; each service has its deployment`,
  async () => {
    repo = new ConfigRepo('orbit-many-');
    const files: Record<string, string> = {};
    for (let i = 0; i < SERVICES; i++) {
      files[`services/s${i}/deploy.hcl`] = PLAN;
      files[`services/s${i}/values.hcl`] = 'version = "1"\n';
    }
    const head = repo.commit(files);

    const r = await reconcileUnderLimit(repo.dir);
    expect(r.stderr).not.toMatch(/EMFILE|ENFILE/);
    expect(r.code).toBe(0);

    const state = await openStateLog({ dir: repo.dir, readOnly: true });
    try {
      const views = await state.services();
      expect(views.map((v) => v.service_id).sort()).toEqual(
        Array.from({ length: SERVICES }, (_, i) => `s${i}`).sort(),
      );
      const deployed = await Promise.all(views.map((v) => state.deployment(v.current ?? '')));
      const wrong = deployed.filter((d) => d?.status !== 'succeeded' || d.config_commit !== head);
      expect(wrong).toEqual([]);
    } finally {
      await state.close();
    }
  },
  // Thousands of deployments on a shared, loaded machine: room, not a measurement.
  60 * 60_000,
);
