/**
 * Pure: what `orbit promote NAME --from A --to B` writes, from facts read beforehand. It sets
 * B's values file to the one A's current deployment was made from, on a new branch named after
 * what is promoted; or it says why not. No I/O: `promote.ts` gathers the facts and writes.
 */
import type { ServiceStatus } from './status.js';
import { OrbitError } from '../util/errors.js';
import { valuesPath } from '../util/service-files.js';
import {
  environmentNameProblem,
  parseServiceId,
  serviceId,
  serviceNameProblem,
} from '../util/service-name.js';

export interface PromotionRequest {
  name: string;
  from: string;
  to: string;
}

export interface PromotionFacts {
  /** The watched branch's head: the new branch's parent. */
  base: string;
  /** Service ids at `base`. */
  services: readonly string[];
  /** The source's status (null: the log knows nothing of it). */
  source: ServiceStatus | null;
  /** The source's values file at its current deployment's commit (null: none there). */
  sourceValues: string | null;
  /** The target's values file at `base` (null: the target does not hold the service yet). */
  targetValues: string | null;
  /** Whether the shared deploy.hcl at `base` is the one the source's deployment ran. */
  sameSteps: boolean;
}

export interface Promotion {
  kind: 'promote';
  branch: string;
  path: string;
  content: string;
  message: string;
  /** The source's deployment whose values are promoted. */
  deployment: string;
  config_commit: string;
  /** Set when the target will run other steps than the source did (deploy.hcl changed since). */
  warning: string | null;
}

export type PromotionPlan = Promotion | { kind: 'unchanged'; deployment: string; message: string };

/** Checks the names alone: a flag's problem is a usage error before anything is read. */
export function checkPromotionRequest(r: PromotionRequest): void {
  const nameProblem = r.name.includes('@')
    ? 'must be named without its environment (--from and --to say those)'
    : serviceNameProblem(r.name);
  if (nameProblem) {
    throw new OrbitError('E_BAD_FLAG', `service ${JSON.stringify(r.name)} ${nameProblem}`, {
      flag: 'SERVICE',
    });
  }
  for (const [flag, env] of [
    ['--from', r.from],
    ['--to', r.to],
  ] as const) {
    const problem = environmentNameProblem(env);
    if (problem) throw new OrbitError('E_BAD_FLAG', `${flag} ${JSON.stringify(env)} ${problem}`, { flag });
  }
  if (r.from === r.to) {
    throw new OrbitError(
      'E_BAD_FLAG',
      `--from and --to are both "${r.from}": promote between two environments`,
      {
        flag: '--to',
      },
    );
  }
}

export function planPromotion(r: PromotionRequest, f: PromotionFacts): PromotionPlan {
  checkPromotionRequest(r);
  const source = serviceId(r.name, r.from);
  const target = serviceId(r.name, r.to);
  const environments = new Set(f.services.flatMap((id) => parseServiceId(id).environment ?? []));
  for (const env of [r.from, r.to]) {
    if (!environments.has(env)) {
      throw new OrbitError(
        'E_UNKNOWN_ENVIRONMENT',
        `unknown environment "${env}": no environments/${env}/services/ at ${f.base.slice(0, 12)}${environments.size ? ` (environments: ${[...environments].sort().join(', ')})` : ''}`,
        { environment: env },
      );
    }
  }
  if (!f.services.includes(source)) {
    throw new OrbitError(
      'E_UNKNOWN_SERVICE',
      `unknown service "${source}": no ${valuesPath(source)} at ${f.base.slice(0, 12)}`,
      {
        service: source,
      },
    );
  }
  const current = f.source?.current;
  if (!current || !current.config_commit || f.sourceValues === null) {
    throw new OrbitError(
      'E_NOTHING_TO_PROMOTE',
      `${source} has no current deployment: nothing to promote to ${r.to}`,
      {
        service: source,
      },
    );
  }
  if (f.source!.health !== 'healthy' || current.status !== 'succeeded') {
    const why =
      f.source!.health_reason?.message ?? `its current deployment ${current.id} is ${current.status}`;
    throw new OrbitError('E_PROMOTE_NOT_HEALTHY', `${source} is ${f.source!.health}, not healthy: ${why}`, {
      service: source,
      health: f.source!.health,
      deployment: current.id,
    });
  }
  if (f.targetValues === f.sourceValues) {
    return {
      kind: 'unchanged',
      deployment: current.id,
      message: `${target} already has the values of ${current.id}: nothing to promote`,
    };
  }
  const commit = current.config_commit;
  const path = valuesPath(target);
  return {
    kind: 'promote',
    branch: `orbit/promote/${r.name}/${r.from}-to-${r.to}-${commit.slice(0, 7)}`,
    path,
    content: f.sourceValues,
    deployment: current.id,
    config_commit: commit,
    message:
      `Promote ${r.name} from ${r.from} to ${r.to}\n\n` +
      `Sets ${path}\nto ${valuesPath(source)} as ${current.id} deployed it\n` +
      `(config ${commit}, healthy). Merging this deploys ${target}.\n\n` +
      `Orbit-Promoted-From: ${current.id}\n`,
    warning: f.sameSteps
      ? null
      : `the shared services/${r.name}/deploy.hcl changed since ${current.id}: ${target} will run steps ${source} has not run`,
  };
}
