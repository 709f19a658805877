/**
 * Orbit beside its peers: the same deployment of N steps that each run `true`, and its rollback,
 * through
 *   - Orbit: the real CLI, `orbit reconcile` on a fresh config repository's first commit, then
 *     `orbit unwind` (every checkout of ORBIT_BENCH_BASELINE too, see orbit-checkouts.ts);
 *   - Capistrano (`cap`): one `run_locally` task per step, a rollback runs the reverse tasks in
 *     reverse order;
 *   - Ansible (`ansible-playbook`, `connection: local`): one `command` task per step, a rollback
 *     playbook with the reverse tasks;
 *   - a shell script of N `true` processes: the floor, what running N processes costs here.
 * Wall time of each whole command, median over rounds; the cases are interleaved, and their order
 * rotates every round so warm-up and background load favour none. From N = 10 and N = 50 (or
 * ORBIT_BENCH_STEPS) come the cost per step (the slope) and the fixed cost (the intercept), and
 * Orbit's ratio to each (above 1: Orbit is slower).
 *
 * Installs nothing: a peer missing from PATH is named in `skipped`.
 * Env: ORBIT_BENCH_ROUNDS (default 5), ORBIT_BENCH_STEPS (default 10,50), ORBIT_BENCH_BASELINE.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigRepo } from '../test/support/config-repo.js';
import { describeCheckouts, orbitCheckouts, type OrbitCheckout } from './orbit-checkouts.js';
import { onPath } from './on-path.js';
import { median, round } from './stats.js';
import { failureOf, timed, type TimedRun } from './timed-process.js';

interface RunTimes {
  forward: number;
  reverse: number;
}

interface Tool {
  name: string;
  /** One deployment of `steps` steps and its rollback; set-up is not timed. */
  run(steps: number): Promise<RunTimes>;
  cleanup(): void;
}

const cliEnv = (): NodeJS.ProcessEnv => {
  const { FORCE_COLOR: _ignored, ...rest } = process.env;
  return { ...rest, NO_COLOR: '1' };
};

function ok(tool: string, what: string, run: TimedRun): number {
  const failure = failureOf(run);
  if (failure) throw new Error(`${tool} ${what}: ${failure}`);
  return run.ms;
}

const orbitPlan = (steps: number): string =>
  `variable "version" {}\n` +
  Array.from(
    { length: steps },
    (_, i) =>
      `step {\n  name    = "s${i}"\n  agent   = "exec"\n  forward = ["true"]\n  reverse = ["true"]\n}\n`,
  ).join('');

function orbitTool(checkout: OrbitCheckout): Tool {
  return {
    name: checkout.name,
    async run(steps) {
      const repo = new ConfigRepo('orbit-bench-peers-');
      try {
        repo.commit({
          'services/svc/deploy.hcl': orbitPlan(steps),
          'services/svc/values.hcl': 'version = "1"\n',
        });
        const orbit = (...args: string[]) =>
          timed([process.execPath, checkout.bin, ...args, '--repo', repo.dir], { env: cliEnv() });
        const deploy = await orbit('reconcile');
        const forward = ok(checkout.name, 'reconcile', deploy);
        if (!deploy.stdout.includes('svc-1'))
          throw new Error(`${checkout.name} reconcile deployed nothing:\n${deploy.stdout}`);
        const reverse = ok(checkout.name, 'unwind', await orbit('unwind', 'svc'));
        return { forward, reverse };
      } finally {
        repo.remove();
      }
    },
    cleanup() {},
  };
}

/** A project per step count, written once; every round runs the same files. */
function projects(prefix: string, write: (dir: string, steps: number) => void) {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  const made = new Map<number, string>();
  return {
    dir(steps: number): string {
      let dir = made.get(steps);
      if (!dir) {
        dir = path.join(root, String(steps));
        mkdirSync(dir, { recursive: true });
        write(dir, steps);
        made.set(steps, dir);
      }
      return dir;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

function capistranoTool(cap: string): Tool {
  // No SCM and no servers: only the stage's set-up and the bench tasks run.
  const p = projects('orbit-bench-cap-', (dir, steps) => {
    mkdirSync(path.join(dir, 'config', 'deploy'), { recursive: true });
    writeFileSync(path.join(dir, 'config', 'deploy.rb'), 'set :scm, nil\n');
    writeFileSync(path.join(dir, 'config', 'deploy', 'local.rb'), '');
    writeFileSync(
      path.join(dir, 'Capfile'),
      `require "capistrano/setup"
STEPS = ${steps}
namespace :bench do
  STEPS.times do |i|
    task("f#{i}") { run_locally { execute :true } }
    task("r#{i}") { run_locally { execute :true } }
  end
  task(:forward) { STEPS.times { |i| invoke "bench:f#{i}" } }
  task(:reverse) { (STEPS - 1).downto(0) { |i| invoke "bench:r#{i}" } }
end
`,
    );
  });
  return {
    name: 'capistrano',
    async run(steps) {
      const cwd = p.dir(steps);
      const forward = ok('capistrano', 'forward', await timed([cap, 'local', 'bench:forward'], { cwd }));
      const reverse = ok('capistrano', 'reverse', await timed([cap, 'local', 'bench:reverse'], { cwd }));
      return { forward, reverse };
    },
    cleanup: p.remove,
  };
}

function ansibleTool(playbook: string): Tool {
  const p = projects('orbit-bench-ansible-', (dir, steps) => {
    // The interpreter is named, so no per-run discovery (and no warning about it).
    writeFileSync(
      path.join(dir, 'inventory.ini'),
      'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n',
    );
    const book = (prefix: string, order: number[]) =>
      `- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n` +
      order.map((i) => `    - name: ${prefix}${i}\n      ansible.builtin.command: "true"\n`).join('');
    const up = Array.from({ length: steps }, (_, i) => i);
    writeFileSync(path.join(dir, 'forward.yml'), book('f', up));
    writeFileSync(path.join(dir, 'reverse.yml'), book('r', [...up].reverse()));
  });
  const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'false' };
  return {
    name: 'ansible',
    async run(steps) {
      const cwd = p.dir(steps);
      const play = async (book: string) =>
        ok('ansible', book, await timed([playbook, '-i', 'inventory.ini', book], { cwd, env }));
      return { forward: await play('forward.yml'), reverse: await play('reverse.yml') };
    },
    cleanup: p.remove,
  };
}

function shellTool(sh: string, trueBin: string): Tool {
  const p = projects('orbit-bench-shell-', (dir, steps) => {
    writeFileSync(path.join(dir, 'steps.sh'), `set -e\n${`${trueBin}\n`.repeat(steps)}`);
  });
  return {
    name: 'shell',
    async run(steps) {
      const cwd = p.dir(steps);
      const forward = ok('shell', 'forward', await timed([sh, 'steps.sh'], { cwd }));
      const reverse = ok('shell', 'reverse', await timed([sh, 'steps.sh'], { cwd }));
      return { forward, reverse };
    },
    cleanup: p.remove,
  };
}

interface Fit {
  wall_ms: Record<string, number>;
  per_step_ms: number;
  fixed_ms: number;
}

/** Slope and intercept through the smallest and the largest size's medians. */
function fit(samples: Map<number, number[]>, sizes: readonly number[]): Fit {
  const lo = sizes[0]!;
  const hi = sizes[sizes.length - 1]!;
  const m = (n: number) => median(samples.get(n) ?? []);
  const perStep = (m(hi) - m(lo)) / (hi - lo);
  return {
    wall_ms: Object.fromEntries(sizes.map((n) => [`n${n}`, round(m(n), 1)])),
    per_step_ms: round(perStep, 2),
    fixed_ms: round(m(lo) - perStep * lo, 1),
  };
}

function ratio(a: Fit, b: Fit): Record<string, number> {
  const r = (x: number, y: number) => round(x / y, 2);
  return {
    ...Object.fromEntries(Object.keys(a.wall_ms).map((k) => [`wall_${k}`, r(a.wall_ms[k]!, b.wall_ms[k]!)])),
    per_step: r(a.per_step_ms, b.per_step_ms),
    fixed: r(a.fixed_ms, b.fixed_ms),
  };
}

export async function peersBench(): Promise<Record<string, unknown>> {
  const rounds = Number(process.env.ORBIT_BENCH_ROUNDS ?? 5);
  const sizes = (process.env.ORBIT_BENCH_STEPS ?? '10,50')
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(
      `ORBIT_BENCH_STEPS: two or more step counts, e.g. 10,50 (got ${process.env.ORBIT_BENCH_STEPS})`,
    );

  const checkouts = orbitCheckouts();
  const skipped: Record<string, string> = {};
  const tools: Tool[] = checkouts.map(orbitTool);
  const cap = onPath('cap');
  if (cap) tools.push(capistranoTool(cap));
  else skipped.capistrano = '`cap` is not on PATH (Debian: apt-get install capistrano)';
  const ansible = onPath('ansible-playbook');
  if (ansible) tools.push(ansibleTool(ansible));
  else skipped.ansible = '`ansible-playbook` is not on PATH (Debian: apt-get install ansible-core)';
  const sh = onPath('sh');
  const trueBin = onPath('true'); // the program, not the shell's builtin: a process per step
  if (sh && trueBin) tools.push(shellTool(sh, trueBin));

  const samples = new Map(
    tools.map((t) => [
      t.name,
      { forward: new Map<number, number[]>(), reverse: new Map<number, number[]>() },
    ]),
  );
  const failed: Record<string, string> = {};
  try {
    // Warm-up, not measured: page cache, Ruby's and Python's compiled files, the first git repo.
    for (const tool of tools) await tool.run(sizes[0]!).catch((e: Error) => (failed[tool.name] = e.message));
    for (let r = 0; r < rounds; r++) {
      for (const steps of sizes) {
        const order = tools.map((_, i) => tools[(i + r) % tools.length]!);
        for (const tool of order) {
          if (failed[tool.name]) continue;
          try {
            const t = await tool.run(steps);
            const s = samples.get(tool.name)!;
            for (const dir of ['forward', 'reverse'] as const) {
              const xs = s[dir].get(steps) ?? [];
              xs.push(t[dir]);
              s[dir].set(steps, xs);
            }
          } catch (e) {
            failed[tool.name] = (e as Error).message;
          }
        }
      }
    }
  } finally {
    for (const tool of tools) tool.cleanup();
  }

  const results: Record<string, { deploy: Fit; rollback: Fit }> = {};
  for (const tool of tools) {
    if (failed[tool.name]) continue;
    const s = samples.get(tool.name)!;
    results[tool.name] = { deploy: fit(s.forward, sizes), rollback: fit(s.reverse, sizes) };
  }
  const ratios: Record<
    string,
    Record<string, { deploy: Record<string, number>; rollback: Record<string, number> }>
  > = {};
  for (const c of checkouts) {
    const mine = results[c.name];
    if (!mine) continue;
    ratios[c.name] = {};
    for (const [other, theirs] of Object.entries(results)) {
      // Each Orbit checkout against every peer; the current one against every other checkout too.
      if (other === c.name || (c.name !== 'orbit' && checkouts.some((o) => o.name === other))) continue;
      ratios[c.name]![other] = {
        deploy: ratio(mine.deploy, theirs.deploy),
        rollback: ratio(mine.rollback, theirs.rollback),
      };
    }
  }
  return {
    benchmark: 'peers',
    rounds,
    steps: sizes,
    orbit_checkouts: describeCheckouts(checkouts),
    load_average: os.loadavg().map((x) => round(x, 2)),
    results,
    ratios,
    targets: { orbit: { deploy: { per_step_ms: 5, fixed_ms: 250 } } },
    skipped,
    failed,
  };
}
