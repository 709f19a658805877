/** The options every command that reads or writes the log shares, declared once. */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { openEngine } from '../engine/open.js';
import { handleInterrupts } from './interrupts.js';
import type { Engine } from '../engine/engine.js';
import { loadStateSigning } from '../state/index.js';
import type { LogEntry } from '../state/types.js';

export interface RepoOptions {
  repo: string;
  branch: string;
  stateBranch: string;
  stateRepo?: string;
  dockerMode?: 'container' | 'swarm';
  stateSigningKey?: string;
  stateAllowedSigners?: string;
  stateSignedSince?: string;
}

/**
 * Adds the shared options. `runsAgents`: the command runs steps here (reconcile, unwind, redeploy),
 * so how docker steps run is its choice; a command that only reads (status, log, show) is not offered it.
 */
export function withRepoOptions(cmd: Command, options: { runsAgents?: boolean } = {}): Command {
  // `.` as in validate, plan and preview: the help shows the same default everywhere.
  cmd
    .option('--repo <dir>', 'config repository', '.')
    .option('--branch <name>', 'watched branch of the config repository', 'main')
    .option('--state-branch <name>', 'branch holding the activity log', 'orbit/state')
    .option('--state-repo <dir>', 'repository holding the state branch (default: the config repository)');
  if (options.runsAgents) {
    cmd.addOption(
      new Option(
        '--docker-mode <mode>',
        'run docker steps as containers, or as swarm jobs (DOCKER_HOST: a manager)',
      )
        .choices(['container', 'swarm'])
        .default('container'),
    );
  }
  return cmd
    .addOption(
      new Option('--state-signing-key <file>', 'ed25519 key this Orbit signs state commits with').env(
        'ORBIT_STATE_SIGNING_KEY',
      ),
    )
    .addOption(
      new Option(
        '--state-allowed-signers <file>',
        'allowed signers file: every state commit must be signed by one of them',
      ).env('ORBIT_STATE_ALLOWED_SIGNERS'),
    )
    .addOption(
      new Option('--state-signed-since <sha>', 'the last state commit accepted without a signature').env(
        'ORBIT_STATE_SIGNED_SINCE',
      ),
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
    stateSigning: loadStateSigning({
      keyFile: opts.stateSigningKey,
      allowedSignersFile: opts.stateAllowedSigners,
      signedSince: opts.stateSignedSince,
    }),
  });
  const release = mode.interruptible ? handleInterrupts(engine) : undefined;
  try {
    return await fn(engine);
  } finally {
    await engine.close();
    release?.();
  }
}
