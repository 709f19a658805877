import type { Command } from 'commander';
import { cliAuthor } from '../../engine/engine.js';
import { OrbitError } from '../../util/errors.js';
import { changeDeployment } from '../daemon-link.js';
import { withRepoOptions, type RepoOptions } from '../repo-options.js';

interface DeployOptions extends RepoOptions {
  json?: boolean;
  overrideWindow?: boolean;
  now?: boolean;
  reason?: string;
}

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('deploy')
      .argument('<service>', 'the service whose deployment waits for its schedule window')
      .description('start a deployment that waits for its schedule window now, recorded with a reason')
      .option('--override-window', 'start it outside its window (required: Orbit never does this by itself)')
      .option('--now', 'the same as --override-window')
      .option('--reason <text>', 'why it cannot wait: recorded on the state branch (required)')
      .option('--json', 'print the deployment as JSON')
      .addHelpText(
        'after',
        '\nExample:\n  $ orbit deploy waffle --override-window --reason "hotfix for INC-42"',
      ),
  ).action((service: string, opts: DeployOptions) => {
    if (!opts.overrideWindow && !opts.now)
      throw new OrbitError('E_BAD_FLAG', 'orbit deploy needs --override-window (or --now)', {
        flag: '--override-window',
      });
    const reason = opts.reason?.trim();
    if (!reason)
      throw new OrbitError('E_BAD_FLAG', '--reason TEXT is required: it is recorded with the override', {
        flag: '--reason',
      });
    // Identity hook: once roles exist, only role `admin` may override a window (anyone until then).
    return changeDeployment(opts, {
      route: `/api/services/${encodeURIComponent(service)}/deploy`,
      body: { reason, override_window: true },
      run: (engine) => engine.overrideWindow(service, cliAuthor(), reason),
      expected: 'succeeded',
    });
  });
}
