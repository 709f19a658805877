/** Example config repositories copied into real temp git repositories, run by the real engine. */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { createAgents } from '../../src/agents/registry.js';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import type { CliResult } from '../support/cli.js';
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

/** The parts of `orbit show <id> --json` the example tests read. */
export interface Shown {
  status: string;
  steps: Array<{ outputs: Record<string, string>; reverse_action: { args: string[] } | null; log: string }>;
}

/** The ```sh blocks of examples/<name>/README.md, in order: what a reader pastes into a shell. */
export function readmeScript(name: string): string {
  const text = readFileSync(path.join(ROOT, 'examples', name, 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  if (blocks.length === 0) throw new Error(`examples/${name}/README.md has no sh block`);
  return blocks.join('\n');
}

/**
 * Pastes a README's shell blocks into bash, from the checkout's root as the README says, stopping
 * at the first command that fails (`-e`). `TMPDIR` puts its temp folders under `tmp`; the
 * environment is a user's shell: nothing of Orbit's own, no colour. The shell runs in a process
 * group of its own, stopped at the end, so what a README starts in the background never outlives it.
 */
export function runReadme(name: string, tmp: string): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1', TMPDIR: tmp };
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('ORBIT_') && !k.startsWith('PG') && k !== 'FORCE_COLOR') env[k] ??= v;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(readmeScript(name));
  });
}
