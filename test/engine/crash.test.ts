import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { taggedProcesses } from '../../src/agents/run-tag.js';
import { openEngine } from '../../src/engine/open.js';
import { openStateLog } from '../../src/state/index.js';
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
  it('is resolved by the next reconcile: the orphan is stopped, the step in doubt reversed too, and the deployment retried', async () => {
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
  forward = ["sh", "-c", "if [ ! -e ${marker} ]; then touch ${marker}; sleep 30; fi; echo +deploy >> $TRACE"]
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
    // The killed step's process outlives Orbit; its run tag is in the log.
    const reader = await openStateLog({ dir: repo.dir, readOnly: true });
    const tag = (await reader.deployment('web-1'))?.steps[1]?.run_tag;
    await reader.close();
    expect(tag).toEqual(expect.any(String));
    expect(taggedProcesses(tag!).length).toBeGreaterThan(0);

    engine = await openEngine({ repoDir: repo.dir, env: {} });
    const report = await engine.reconcile();
    expect(taggedProcesses(tag!)).toEqual([]);
    expect(report.outcomes).toMatchObject([
      { kind: 'recover', deployId: 'web-1', status: 'unwound' },
      { kind: 'retry', deployId: 'web-2', status: 'succeeded' },
    ]);
    // At least once: the step in doubt is reversed first (its forward may have run), then the
    // applied one; then the stopped deployment runs again.
    expect(trace.lines()).toEqual(['+migrate', '-deploy', '-migrate', '+migrate', '+deploy']);
    const d = await engine.state.deployment('web-1');
    expect(d?.steps.map((s) => [s.step_name, s.status, s.error?.code ?? null])).toEqual([
      ['migrate', 'reversed', null],
      ['deploy', 'reversed', 'E_INTERRUPTED'],
    ]);
    expect(d?.unwind?.reason).toBe('crash-recovery');
    expect(await engine.state.deployment('web-2')).toMatchObject({ status: 'succeeded', retry_of: 'web-1' });
    expect(await engine.state.service('web')).toMatchObject({ current: 'web-2', in_flight: null });
    // The commit was seen before the crash: only the retry deploys it again, once.
    expect(report.outcomes).toHaveLength(2);
  });
});
