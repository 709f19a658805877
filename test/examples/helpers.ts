/** Example config repositories copied into real temp git repositories, run by the real engine. */
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { createAgents } from '../../src/agents/registry.js';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import { ConfigRepo } from '../support/config-repo.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** A config repo holding examples/<name>, committed as the first commit. */
export function exampleRepo(name: string): ConfigRepo {
  const repo = new ConfigRepo(`orbit-example-${name}-`);
  cpSync(path.join(ROOT, 'examples', name), repo.dir, { recursive: true });
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', `${name} example`);
  return repo;
}

/**
 * Runs `fn` with an engine on the repo. The docker agent gets its own instance name: start-up
 * cleanup removes only this instance's leftovers, never containers of tests running alongside.
 */
export async function withExampleEngine<T>(
  repo: ConfigRepo,
  env: Record<string, string>,
  fn: (engine: Engine) => Promise<T>,
): Promise<T> {
  const engine = await openEngine({
    repoDir: repo.dir,
    env: { ...process.env, ...env },
    agents: createAgents({ docker: { instance: `examples-${process.pid}`, stopGraceSec: 1 } }),
  });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** Whether Docker answers; in CI a missing engine is a failure, elsewhere the suite is skipped. */
export async function dockerReady(): Promise<boolean> {
  try {
    await new Docker().ping();
  } catch (err) {
    if (process.env.CI === 'true' || process.env.CI === '1') throw err;
    console.warn(`[orbit] skipping example Docker tests: ${(err as Error).message}`);
    return false;
  }
  execFileSync('bash', [path.join(ROOT, 'scripts/build-example-images.sh')], { stdio: 'inherit' });
  return true;
}
