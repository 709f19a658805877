import { resolve } from 'node:path';
import chalk from 'chalk';
import type { Command } from 'commander';
import { checkContracts } from '../../config/contract-check.js';
import { loadService } from '../../config/load.js';
import { planContext } from '../../config/plan-context.js';
import { renderChecks, renderPlan, resolveVariables } from '../../config/render.js';
import { mapStrings, visibleControls } from '../preview/escape.js';
import { ConfigError, OrbitError } from '../../util/errors.js';
import { marker } from '../../util/secrets.js';
import { checkLine } from '../../engine/checks/summary.js';
import { scheduleLines } from '../../engine/schedule/summary.js';
import { planJson, type PlanJson } from '../../engine/plan-json.js';

export type { PlanJson } from '../../engine/plan-json.js';

interface PlanOptions {
  repo: string;
  ref?: string;
  var: string[];
  json?: boolean;
  withEnv?: boolean;
}

function collectVar(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseVarFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const name = eq < 0 ? '' : flag.slice(0, eq).trim();
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new OrbitError('E_BAD_FLAG', `--var ${JSON.stringify(flag)}: expected --var NAME=VALUE`, {
        flag: '--var',
        value: flag,
      });
    }
    out[name] = flag.slice(eq + 1);
  }
  return out;
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function argvText(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

export function planText(raw: PlanJson): string {
  // Values and keys come from the config (maybe a pull request's): no terminal escapes.
  const plan = mapStrings(raw, visibleControls);
  const lines: string[] = [];
  const at = plan.ref ? ` at ${plan.ref}` : '';
  const commit = plan.commit ? ` (${plan.commit.slice(0, 12)})` : '';
  lines.push(chalk.bold(`Plan for ${plan.service}${at}${commit}`) + chalk.dim(`  policy: ${plan.policy}`));
  const names = Object.keys(plan.variables);
  if (names.length > 0) {
    lines.push('', chalk.bold('Variables'));
    for (const name of names) {
      const v = plan.variables[name]!;
      const shown = v.sensitive ? marker(name) : JSON.stringify(v.value);
      lines.push(`  ${name} = ${shown}${chalk.dim(`  (${v.origin})`)}`);
    }
  }
  lines.push('', chalk.bold(`Steps (${plan.steps.length})`));
  for (const s of plan.steps) {
    lines.push(
      `  ${s.index + 1}. ${chalk.cyan(s.name)}  agent: ${s.agent}  timeout: ${formatMs(s.timeoutMs)}`,
    );
    for (const [k, v] of Object.entries(s.params))
      lines.push(`     ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    lines.push(`     forward: ${argvText(s.forward)}`);
    lines.push(
      `     reverse: ${s.reverse === null ? chalk.dim('(none: a no-op on unwind)') : argvText(s.reverse)}`,
    );
    for (const [k, v] of Object.entries(s.env)) lines.push(`     env ${k}=${v}`);
  }
  lines.push(...checksAndSchedule(plan));
  return lines.join('\n') + '\n';
}

/** The Checks and Schedule sections, shared with preview's text. */
export function checksAndSchedule(plan: Pick<PlanJson, 'checks' | 'schedule' | 'steps'>): string[] {
  const lines: string[] = [];
  const last = plan.steps.at(-1)?.name ?? null;
  if (plan.checks?.length) {
    lines.push('', chalk.bold(`Checks (${plan.checks.length})`));
    for (const c of plan.checks) lines.push(`  ${checkLine(c, last)}`);
  }
  if (plan.schedule) {
    lines.push('', chalk.bold('Schedule'));
    for (const l of scheduleLines(plan.schedule)) lines.push(`  ${l}`);
  }
  return lines;
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('show the agent invocations a deployment of SERVICE would run, in order')
    .argument('<service>', 'service name: a directory under services/, or <name>@<env> for an environment')
    .option('--repo <dir>', 'config repository', '.')
    .option('--ref <rev>', 'git revision to read the config from (default: the working tree)')
    .option('--var <name=value>', 'set a variable (repeatable)', collectVar, [])
    .option('--json', 'machine-readable output (see docs/hcl.md)')
    .option(
      '--with-env',
      'read ORBIT_VAR_* from the environment (secrets included); without it, values from the environment show as placeholders',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit plan waffle --repo ./config\n  $ orbit plan waffle --ref my-branch --var version=1.5.0 --json',
    )
    .action(async (service: string, opts: PlanOptions) => {
      const overrides = parseVarFlags(opts.var);
      const repoDir = resolve(opts.repo);
      const spec = await loadService(repoDir, service, opts.ref !== undefined ? { ref: opts.ref } : {});
      // The config may be a pull request's: the environment (and its secrets) only when asked.
      const vars = resolveVariables(spec, overrides, process.env, { untrusted: !opts.withEnv });
      const { ctx, options, commit } = await planContext(repoDir, service, opts.ref);
      const steps = renderPlan(spec, vars, ctx, options);
      const problems = checkContracts(spec, vars, { ctx, options });
      if (problems.length > 0) throw new ConfigError(problems);
      // Checks shown as they would run: rendered with the variables.
      const checks = renderChecks(spec, vars, ctx, options);
      const plan = planJson({ ...spec, checks }, vars, steps, opts.ref ?? null, commit);
      process.stdout.write(opts.json ? JSON.stringify(plan, null, 2) + '\n' : planText(plan));
    });
}
