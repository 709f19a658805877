import type { Command } from 'commander';
import { cliAuthor } from '../../engine/engine.js';
import type { DeploymentRecord } from '../../state/types.js';
import { OrbitError } from '../../util/errors.js';
import { daemonFor, warnIfDegraded } from '../daemon-link.js';
import { printJson, println } from '../format.js';
import { withEngine, withRepoOptions, type RepoOptions } from '../repo-options.js';

export function register(program: Command): void {
  withRepoOptions(
    program
      .command('ack')
      .argument('<deployment>', 'the deployment whose waiting `ack` step you approve, e.g. waffle-12')
      .description('approve the step a deployment is waiting on (needs the running daemon)')
      .option('--json', 'print the deployment as JSON')
      .addHelpText(
        'after',
        "\nThe approver is the identity of your token (it needs the approver role); the daemon checks it against the\nstep's approvers. The token comes from ORBIT_TOKEN or ORBIT_TOKEN_FILE.\n\nExample:\n  $ ORBIT_TOKEN=$(cat alice.token) orbit ack waffle-12",
      ),
  ).action(async (deployment: string, opts: RepoOptions & { json?: boolean }) => {
    const daemon = await daemonFor(opts);
    if (!daemon) {
      // Only the process running the step can release it; without a daemon nothing is waiting.
      await withEngine(opts, { readOnly: true }, async (engine) => {
        if (!(await engine.state.deployment(deployment)))
          throw new OrbitError('E_UNKNOWN_DEPLOYMENT', `no deployment ${deployment} in the log`, {
            deployment,
          });
      });
      throw new OrbitError(
        'E_NOTHING_TO_ACK',
        `no daemon holds this repository, so nothing is waiting for an approval: acks need \`orbit daemon\``,
        { deployment },
      );
    }
    await warnIfDegraded(daemon);
    const { deployment: d } = await daemon.post<{ deployment: DeploymentRecord }>(
      `/api/deployments/${encodeURIComponent(deployment)}/ack`,
      { author: cliAuthor() },
    );
    if (opts.json) printJson(d);
    else {
      // Recorded as the token's identity (the deprecated shared token: as $ORBIT_USER).
      const by = d.steps.flatMap((s) => s.approvals ?? []).at(-1)?.by ?? cliAuthor();
      println(`${d.deploy_id}: approved by ${by} (${d.status})`);
    }
  });
}
