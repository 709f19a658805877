/**
 * A step's result and the next step's intent go to the log in one append: what every agent sees
 * on the branch when it runs is its own intent on top, and every earlier result below it.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { ConfigRepo, Trace, values } from '../support/config-repo.js';

let repo: ConfigRepo;
let engine: Engine | undefined;

afterEach(async () => {
  await engine?.close();
  engine = undefined;
  repo?.remove();
});

/** Each action appends, as it runs, the kinds of the two newest entries of the deployment on the branch. */
function lookScript(repoDir: string, trace: string): string {
  const script = path.join(path.dirname(trace), 'look.sh');
  writeFileSync(
    script,
    `printf '%s ' "$1" $(git -C ${repoDir} log --format='%(trailers:key=Orbit-Event,valueonly)' orbit/state | grep -v -e '^$' -e commit-seen | head -2) >> ${trace}\necho >> ${trace}\n`,
  );
  return script;
}

const step = (name: string, script: string) => `step {
  name    = "${name}"
  agent   = "exec"
  forward = ["sh", "${script}", "+${name}"]
  reverse = ["sh", "${script}", "-${name}"]
}
`;

const packs = (dir: string): number =>
  readdirSync(path.join(dir, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.idx')).length;

describe('appends a deployment shares', () => {
  it('every agent runs on its own intent, the result before it recorded, with one append per step', async () => {
    repo = new ConfigRepo();
    const trace = new Trace();
    const script = lookScript(repo.dir, trace.file);
    repo.commit({
      'services/web/deploy.hcl': `variable "version" {}\n${['a', 'b', 'c'].map((n) => step(n, script)).join('')}`,
      'services/web/values.hcl': values('1'),
    });
    engine = await openEngine({ repoDir: repo.dir, env: {} });
    const report = await engine.reconcile();
    expect(report.outcomes).toMatchObject([{ kind: 'deploy', deployId: 'web-1', status: 'succeeded' }]);
    // The commit-seen entry lands beside the first step (it waits for deploy-started only).
    expect(trace.next()).toEqual([
      '+a step-started deploy-started ',
      '+b step-started step-applied ',
      '+c step-started step-applied ',
    ]);
    const afterDeploy = packs(repo.dir);

    await engine.unwind('web', 'bob');
    expect(trace.next()).toEqual([
      '-c reverse-started unwind-started ',
      '-b reverse-started step-reversed ',
      '-a reverse-started step-reversed ',
    ]);
    const newest = repo.git('log', '-3', '--format=%(trailers:key=Orbit-Event,valueonly)', 'orbit/state');
    expect(newest.split('\n').filter(Boolean)).toEqual(['deploy-unwound', 'service-held', 'step-reversed']);
    // One append (one pack) per step and one for the end: 3 + 1 each way, plus the cursor's.
    expect(afterDeploy).toBe(5);
    expect(packs(repo.dir) - afterDeploy).toBe(4);
    repo.git('fsck', '--strict');
  });
});
