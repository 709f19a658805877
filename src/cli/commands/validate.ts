import { relative, resolve } from 'node:path';
import chalk from 'chalk';
import type { Command } from 'commander';
import { checkContracts } from '../../config/contract-check.js';
import { listServices, loadService } from '../../config/load.js';
import { ORBIT_FILE, servicesOfPath } from '../../config/paths.js';
import { planContext } from '../../config/plan-context.js';
import { renderChecks, renderPlan, resolveVariables } from '../../config/render.js';
import { dependencyProblems, type DependencyNode } from '../../engine/dependency-order.js';
import { ConfigError, OrbitError } from '../../util/errors.js';
import type { Diagnostic } from '../../util/errors.js';

interface ValidateOptions {
  repo: string;
}

/** Services to check: all of them, or those owning the given files (orbit.hcl means all). */
async function selectServices(repoDir: string, files: string[]): Promise<string[]> {
  const all = await listServices(repoDir);
  if (files.length === 0) return all;
  const chosen = new Set<string>();
  for (const f of files) {
    const rel = relative(repoDir, resolve(f)).replace(/\\/g, '/');
    const relToRepo = rel.startsWith('..') ? f.replace(/\\/g, '/') : rel;
    if (relToRepo === ORBIT_FILE) return all;
    const services = servicesOfPath(relToRepo, all);
    if (!services) {
      throw new OrbitError(
        'E_USAGE',
        `${f}: not a config file of this repo (expected orbit.hcl, services/<service>/... or environments/<env>/services/<service>/values.hcl)`,
        {
          file: f,
        },
      );
    }
    for (const s of services) chosen.add(s);
  }
  return [...chosen].sort();
}

/** Loads, resolves values (only the names of ORBIT_VAR_* are looked at, never their values: the config may be a pull request's) and renders the plan. */
async function checkService(repoDir: string, service: string): Promise<Diagnostic[]> {
  try {
    const spec = await loadService(repoDir, service);
    const vars = resolveVariables(spec, {}, {}, { untrusted: true, envNames: Object.keys(process.env) });
    const { ctx, options } = await planContext(repoDir, service);
    renderPlan(spec, vars, ctx, options);
    renderChecks(spec, vars, ctx, options);
    return checkContracts(spec, vars, { ctx, options });
  } catch (err) {
    if (err instanceof ConfigError) return err.diagnostics;
    throw err;
  }
}

/**
 * `depends_on` across the repository: unknown services and cycles, per service whose deploy.hcl
 * has the name (a service whose config does not load has its own diagnostics, and no edges here).
 */
async function dependencyDiagnostics(repoDir: string): Promise<Map<string, Diagnostic[]>> {
  const all = await listServices(repoDir);
  const nodes: DependencyNode[] = [];
  for (const service of all) {
    const spec = await loadService(repoDir, service).catch((err: unknown) => {
      if (err instanceof ConfigError || err instanceof OrbitError) return null;
      throw err;
    });
    if (spec?.dependsOn) nodes.push({ service, dependsOn: spec.dependsOn });
  }
  const out = new Map<string, Diagnostic[]>();
  for (const d of dependencyProblems(nodes, new Set(all))) {
    for (const service of servicesOfPath(d.file, all) ?? [])
      out.set(service, [...(out.get(service) ?? []), d]);
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('check every service of the config repo (or the services owning FILES)')
    .argument('[files...]', 'config files; only the services they belong to are checked')
    .option('--repo <dir>', 'config repository', '.')
    .addHelpText(
      'after',
      '\nExamples:\n  $ orbit validate --repo ./config\n  $ orbit validate services/waffle/deploy.hcl   # only the services these files belong to',
    )
    .action(async (files: string[], opts: ValidateOptions) => {
      const repoDir = resolve(opts.repo);
      const services = await selectServices(repoDir, files);
      if (services.length === 0) {
        throw new OrbitError('E_NO_SERVICES', `no services found under ${repoDir}/services`, { repoDir });
      }
      const problems: Diagnostic[] = [];
      const graph = await dependencyDiagnostics(repoDir);
      for (const service of services) {
        const found = [...(await checkService(repoDir, service)), ...(graph.get(service) ?? [])];
        if (found.length === 0) process.stdout.write(`${chalk.green('ok')} ${service}\n`);
        problems.push(...found);
      }
      if (problems.length > 0) throw new ConfigError(problems);
    });
}
