import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { ConfigRepo, Trace, values } from '../support/config-repo.js';

let repo: ConfigRepo;
let engine: Engine | undefined;

afterEach(async () => {
  await engine?.close();
  repo?.remove();
});

const ORBIT = path.resolve('bin/orbit.js');

async function waitFor(check: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a crash in the middle of a step', () => {
  it('is resolved by the next reconcile: the step in doubt is failed, applied steps unwound', async () => {
    repo = new ConfigRepo();
    const trace = new Trace();
    const marker = path.join(repo.dir, 'hanging');
    repo.commit({
      'services/web/deploy.hcl': `variable "version" {}
step {
  name    = "migrate"
  agent   = "exec"
  forward = ["sh", "-c", "echo +migrate >> $TRACE"]
  reverse = ["sh", "-c", "echo -migrate >> $TRACE"]
  env     = { TRACE = "${trace.file}" }
}
step {
  name    = "deploy"
  agent   = "exec"
  forward = ["sh", "-c", "touch ${marker}; sleep 30; echo +deploy >> $TRACE"]
  reverse = ["sh", "-c", "echo -deploy >> $TRACE"]
  env     = { TRACE = "${trace.file}" }
}
`,
      'services/web/values.hcl': values('1'),
    });

    const child = spawn(process.execPath, [ORBIT, 'reconcile', '--repo', repo.dir], { stdio: 'ignore' });
    await waitFor(() => existsSync(marker));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(trace.lines()).toEqual(['+migrate']);

    engine = await openEngine({ repoDir: repo.dir, env: {} });
    const report = await engine.reconcile();
    expect(report.outcomes).toMatchObject([{ kind: 'recover', deployId: 'web-1', status: 'unwound' }]);
    expect(trace.lines()).toEqual(['+migrate', '-migrate']);
    const d = await engine.state.deployment('web-1');
    expect(d?.steps.map((s) => [s.step_name, s.status, s.error?.code ?? null])).toEqual([
      ['migrate', 'reversed', null],
      ['deploy', 'failed', 'E_INTERRUPTED'],
    ]);
    expect(d?.unwind?.reason).toBe('crash-recovery');
    expect((await engine.state.service('web'))?.in_flight).toBeNull();
    // The commit was seen before the crash: it is not deployed a second time.
    expect(report.outcomes).toHaveLength(1);
  });
});
