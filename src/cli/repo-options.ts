/** The options every command that reads or writes the log shares, declared once. */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { openEngine } from '../engine/open.js';
import { handleInterrupts } from './interrupts.js';
import type { Engine } from '../engine/engine.js';
import type { LogEntry } from '../state/types.js';

export interface RepoOptions {
  repo: string;
  branch: string;
  stateBranch: string;
  stateRepo?: string;
  dockerMode?: 'container' | 'swarm';
}

export function withRepoOptions(cmd: Command): Command {
  return cmd
    .option('--repo <dir>', 'config repository', process.cwd())
    .option('--branch <name>', 'watched branch of the config repository', 'main')
    .option('--state-branch <name>', 'branch holding the activity log', 'orbit/state')
    .option('--state-repo <dir>', 'repository holding the state branch (default: the config repository)')
    .addOption(
      new Option(
        '--docker-mode <mode>',
        'run docker steps as containers, or as swarm jobs (DOCKER_HOST: a manager)',
      )
        .choices(['container', 'swarm'])
        .default('container'),
    );
}

/** Opens the engine, runs `fn`, and always releases the state lock. */
export async function withEngine<T>(
  opts: RepoOptions,
  mode: { readOnly: boolean; observe?: (e: LogEntry) => void; interruptible?: boolean },
  fn: (engine: Engine) => Promise<T>,
): Promise<T> {
  const engine = await openEngine({
    repoDir: path.resolve(opts.repo),
    branch: opts.branch,
    stateBranch: opts.stateBranch,
    stateDir: opts.stateRepo ? path.resolve(opts.stateRepo) : undefined,
    readOnly: mode.readOnly,
    observe: mode.observe,
    docker: { mode: opts.dockerMode },
  });
  const release = mode.interruptible ? handleInterrupts(engine) : undefined;
  try {
    return await fn(engine);
  } finally {
    await engine.close();
    release?.();
  }
}
