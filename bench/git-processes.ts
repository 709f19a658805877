/**
 * How many git processes Orbit starts for a deployment: one deployment of 5 and one of 25 no-op
 * exec steps, `child_process.spawn` counted by its command (git only), the slope between the two
 * sizes is the count per step, what is left the fixed count of a deployment (from reading the new
 * commit to the last entry). Counts, not times: they do not depend on the machine's load.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const counts = { git: 0, argv: [] as string[] };
const original = childProcess.spawn;
// The spawn every module imports (named ESM imports of a builtin follow its CJS exports once synced).
(childProcess as { spawn: unknown }).spawn = function counted(this: unknown, ...args: unknown[]) {
  if (args[0] === 'git') {
    counts.git++;
    const argv = (args[1] as string[]).filter((a) => !a.startsWith('-c') && !a.includes('='));
    counts.argv.push(argv.find((a) => /^[a-z][a-z-]+$/.test(a)) ?? '?');
  }
  return (original as (...a: unknown[]) => unknown).apply(this, args);
};
syncBuiltinESMExports();

const plan = (steps: number): string =>
  `variable "version" {}\n` +
  Array.from(
    { length: steps },
    (_, i) => `step {\n  name = "s${i}"\n  agent = "exec"\n  forward = ["true"]\n  reverse = ["true"]\n}\n`,
  ).join('');

export async function gitProcesses(): Promise<Record<string, unknown>> {
  const { openEngine } = await import('../src/engine/open.js');
  const { ConfigRepo } = await import('../test/support/config-repo.js');
  const sizes = { small: 5, large: 25 } as const;
  const repo = new ConfigRepo('orbit-bench-gitproc-');
  repo.commit({
    'services/small/deploy.hcl': plan(sizes.small),
    'services/small/values.hcl': 'version = "0"\n',
    'services/large/deploy.hcl': plan(sizes.large),
    'services/large/values.hcl': 'version = "0"\n',
  });
  const engine = await openEngine({ repoDir: repo.dir, env: {} });
  const per: Record<string, { total: number; commands: Record<string, number> }> = {};
  try {
    await engine.reconcile(); // the first deployments; then one deployment per size
    for (const size of ['small', 'large'] as const) {
      repo.commit({ [`services/${size}/values.hcl`]: `version = "1"\n` });
      counts.git = 0;
      counts.argv = [];
      const report = await engine.reconcile();
      if (report.outcomes[0]?.status !== 'succeeded') throw new Error(`bench deployment failed`);
      const commands: Record<string, number> = {};
      for (const c of counts.argv) commands[c] = (commands[c] ?? 0) + 1;
      per[size] = { total: counts.git, commands };
    }
  } finally {
    await engine.close();
    repo.remove();
  }
  const small = per.small!.total;
  const large = per.large!.total;
  const perStep = (large - small) / (sizes.large - sizes.small);
  return {
    benchmark: 'git-processes',
    steps: sizes,
    git_processes: per,
    per_step: perStep,
    per_deployment: small - perStep * sizes.small,
  };
}
