/**
 * A deployment Orbit is stopped in three times in a row (its first run and the two retries
 * recovery allows), so the log shows it unwound by crash recovery and no longer retried: the
 * `interrupted` sync reason. Step `a` touches a file and waits for the gate; the gate stays shut.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openEngine } from '../../src/engine/open.js';
import { execStep, traceLine, values, type ConfigRepo, type Gate, type Trace } from './config-repo.js';
import { waitUntil } from './wait.js';

export async function interruptedThrice(
  repo: ConfigRepo,
  trace: Trace,
  gate: Gate,
  extra: Record<string, string> = {},
): Promise<void> {
  const started = path.join(path.dirname(gate.file), 'a-started');
  repo.commit({
    ...extra,
    'services/web/deploy.hcl': `variable "version" {}\n${execStep(
      trace,
      'a',
      `["sh", "-c", "touch ${started}; while [ ! -e ${gate.file} ]; do sleep 0.02; done; echo +a >> $TRACE"]`,
      traceLine('-a'),
    )}\n`,
    'services/web/values.hcl': values('1'),
  });
  for (let round = 0; round < 3; round++) {
    rmSync(started, { force: true });
    const e = await openEngine({ repoDir: repo.dir, env: {} });
    const running = e.reconcile();
    await waitUntil('step a running', () => existsSync(started), 30_000);
    e.stopNow();
    await running;
    await e.close();
  }
}
