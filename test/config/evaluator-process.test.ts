import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_START, prestartEvaluator, takePrestarted } from '../../src/config/evaluator-process.js';
import { IsolatedLoader, UNBOUNDED } from '../../src/config/isolated-load.js';
import { ConfigRepo } from '../support/config-repo.js';

const repo = new ConfigRepo();
afterAll(() => repo.remove());

const DEPLOY = 'step {\n  name    = "s"\n  agent   = "exec"\n  forward = ["true"]\n}\n';

describe('an evaluator started ahead of its loader', () => {
  it('serves the first loader started the same way, once', async () => {
    const commit = repo.commit({ 'services/web/deploy.hcl': DEPLOY });
    prestartEvaluator(CLI_START);
    const loader = new IsolatedLoader(UNBOUNDED);
    try {
      const { spec } = await loader.load({ repoDir: repo.dir, service: 'web', ref: commit, env: {} });
      expect(spec.steps.map((s) => s.name)).toEqual(['s']);
      expect(takePrestarted(CLI_START)).toBeNull(); // the loader has it
    } finally {
      await loader.close();
    }
  });

  it('is not handed to a loader that wants one started otherwise, nor kept for later', () => {
    prestartEvaluator(CLI_START);
    expect(takePrestarted({ maxHeapMb: 256, favour: 'warm' })).toBeNull();
    expect(takePrestarted(CLI_START)).toBeNull();
  });

  it('does not keep a process alive that never loads config', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const script = `import { CLI_START, prestartEvaluator } from ${JSON.stringify(
      new URL('../../src/config/evaluator-process.ts', import.meta.url).href,
    )};
prestartEvaluator(CLI_START);
console.log('done');`;
    const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.signal).toBeNull(); // not the timeout's kill: it exited by itself
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('done');
  });
});
