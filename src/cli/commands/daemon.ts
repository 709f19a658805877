import type { Command } from 'commander';
import { startDaemon } from '../../daemon/daemon.js';
import { createLogger } from '../../daemon/logger.js';
import { resolveSettings, type RawSettings } from '../../daemon/settings.js';
import { EXIT, reportError } from '../exit.js';

interface DaemonFlags {
  repo?: string;
  branch?: string;
  stateBranch?: string;
  stateRepo?: string;
  statePush?: string;
  stateSigningKey?: string;
  stateAllowedSigners?: string;
  stateSignedSince?: string;
  evalTimeout?: string;
  listen?: string;
  dataDir?: string;
  pollInterval?: string;
  tokenFile?: string;
  tokensFile?: string;
  anonymousRead?: boolean;
  webhookSecretFile?: string;
  bodyLimit?: string;
  maxParallel?: string;
  dockerMode?: string;
  logLevel?: string;
  config?: string;
}

export function register(program: Command): void {
  program
    .command('daemon')
    .description(
      'watch the config repository (or fetch a remote one) and deploy as commits arrive; serve the HTTP API',
    )
    // No commander defaults: a flag that is absent falls through to ORBIT_* and the config file.
    .option(
      '--repo <dir|url>',
      'config repository: a local path (watched) or a URL (cloned into --data-dir, fetched)',
    )
    .option('--branch <name>', 'watched branch (default main)')
    .option('--state-branch <name>', 'branch holding the activity log (default orbit/state)')
    .option('--state-repo <dir>', 'repository holding the state branch (default: the config repository)')
    .option('--state-push <url>', 'push the state branch here after each entry (a backup)')
    .option(
      '--state-signing-key <file>',
      'ed25519 key to sign state commits with (unencrypted, OpenSSH format)',
    )
    .option(
      '--state-allowed-signers <file>',
      'allowed signers file: every state commit must be signed by one',
    )
    .option('--state-signed-since <sha>', 'the last state commit accepted without a signature')
    .option('--eval-timeout <duration>', 'longest evaluation of a service config at a commit (default 10s)')
    .option('--listen <host:port>', 'HTTP API address (default 127.0.0.1:7420; port 0 picks one)')
    .option('--data-dir <dir>', 'where remote repositories are mirrored (default $XDG_STATE_HOME/orbit)')
    .option('--poll-interval <duration>', 'fetch/poll interval, e.g. 60s, 5m (default 60s)')
    .option(
      '--tokens-file <file>',
      'named API tokens with roles, from `orbit token create` (or ORBIT_TOKENS_FILE)',
    )
    .option('--anonymous-read', 'let anyone who reaches the port read the API (GET routes) without a token')
    .option('--token-file <file>', 'deprecated: one shared API token, acting as admin (or ORBIT_TOKEN)')
    .option('--webhook-secret-file <file>', 'file holding the webhook secret (or ORBIT_WEBHOOK_SECRET)')
    .option('--body-limit <bytes>', 'largest API request body (default 65536)')
    .option('--max-parallel <n>', 'services deploying at once (default: orbit.hcl settings, else 4)')
    .option('--docker-mode <mode>', 'docker steps as containers or as swarm jobs: container | swarm')
    .option('--log-level <level>', 'trace, debug, info, warn, error (default info)')
    .option('--config <file>', 'JSON file with the same settings (or ORBIT_CONFIG); flags > env > file')
    .addHelpText(
      'after',
      '\nSIGTERM/SIGINT stop it gracefully: running work finishes, the state lock is released, exit 0.\n\nExample:\n  $ orbit token create alice --role deployer --tokens-file tokens\n  $ orbit daemon --repo ./config --tokens-file tokens --listen 127.0.0.1:7420',
    )
    .action(async (flags: DaemonFlags) => {
      const raw: RawSettings & { config?: string } = {
        repo: flags.repo,
        branch: flags.branch,
        'state-branch': flags.stateBranch,
        'state-repo': flags.stateRepo,
        'state-push': flags.statePush,
        'state-signing-key': flags.stateSigningKey,
        'state-allowed-signers': flags.stateAllowedSigners,
        'state-signed-since': flags.stateSignedSince,
        'eval-timeout': flags.evalTimeout,
        listen: flags.listen,
        'data-dir': flags.dataDir,
        'poll-interval': flags.pollInterval,
        'token-file': flags.tokenFile,
        'tokens-file': flags.tokensFile,
        'anonymous-read': flags.anonymousRead,
        'webhook-secret-file': flags.webhookSecretFile,
        'body-limit': flags.bodyLimit,
        'max-parallel': flags.maxParallel,
        'docker-mode': flags.dockerMode,
        'log-level': flags.logLevel,
        config: flags.config,
      };
      const settings = resolveSettings(raw);
      // Agents never need the daemon's own secrets (steps with inherit_env would see them).
      delete process.env.ORBIT_TOKEN;
      delete process.env.ORBIT_WEBHOOK_SECRET;
      const logger = createLogger({ level: settings.logLevel });
      // A failure inside a background job must not take the API down with it: log it loudly.
      process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
      const daemon = await startDaemon(settings, { logger });
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          // A second signal means "now": crash recovery resolves the interrupted work on the next start.
          logger.warn({ signal }, 'second signal: exiting without waiting');
          process.exit(EXIT.failed);
        }
        void daemon.stop(signal);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      await daemon.stopped;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // Stopped by itself (its state push rejected): the exit says so, for the supervisor.
      if (daemon.failure) process.exitCode = reportError(daemon.failure);
      // Everything is closed; if a stray handle kept the loop alive, do not hang the container.
      setTimeout(() => process.exit(process.exitCode ?? EXIT.ok), 2000).unref();
    });
}
