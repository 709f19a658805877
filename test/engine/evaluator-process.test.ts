import { afterEach, describe, expect, it, vi } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';

let repo: ConfigRepo | undefined;
let engine: Engine | undefined;

afterEach(async () => {
  await engine?.close();
  repo?.remove();
  vi.restoreAllMocks();
});

describe('the engine keeps the HCL parser out of its own process', () => {
  // Once the parser's WebAssembly is in a process, each spawn() there blocks its event loop ~10x
  // longer (bench/spawn-cost.ts); the engine spawns every agent and git process.
  it('deploys, unwinds and reads orbit.hcl without instantiating WebAssembly here', async () => {
    const instantiate = vi.spyOn(WebAssembly, 'instantiate');
    const compile = vi.spyOn(WebAssembly, 'compile');
    const trace = new Trace();
    repo = new ConfigRepo();
    repo.commit({
      'orbit.hcl': 'settings {\n  max_parallel = 2\n}\n',
      'services/web/deploy.hcl': tracedService(trace, ['migrate', 'deploy']),
      'services/web/values.hcl': values('1'),
    });
    engine = await openEngine({ repoDir: repo.dir, env: {} });

    const report = await engine.reconcile();
    expect(report.outcomes.map((o) => [o.deployId, o.status])).toEqual([['web-1', 'succeeded']]);
    expect(trace.next()).toEqual(['+migrate:1', '+deploy:1']);
    const unwound = await engine.unwind('web', 'tester');
    expect(unwound.status).toBe('unwound');
    expect(trace.next()).toEqual(['-deploy:1', '-migrate:1']);

    expect(instantiate).not.toHaveBeenCalled();
    expect(compile).not.toHaveBeenCalled();
  }, 120_000);
});
