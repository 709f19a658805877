/**
 * `orbit promote`: reads the facts (the branch's services, the source's status from the log,
 * both values files, the shared steps' blob ids), plans (`promotion-plan.ts`) and writes the
 * branch with git plumbing. It never deploys and never touches a working tree.
 */
import { listServices } from '../config/load.js';
import { gitRefReader } from '../config/repo-files.js';
import { commitOnNewBranch, refExists } from '../git/plumbing-commit.js';
import { OrbitError } from '../util/errors.js';
import { deployPath, valuesPath } from '../util/service-files.js';
import { serviceId } from '../util/service-name.js';
import type { Engine } from './engine.js';
import {
  checkPromotionRequest,
  planPromotion,
  type PromotionPlan,
  type PromotionRequest,
} from './promotion-plan.js';

export type PromotionResult = PromotionPlan & { base: string; commit: string | null };

export async function promote(engine: Engine, request: PromotionRequest): Promise<PromotionResult> {
  checkPromotionRequest(request);
  const repoDir = engine.history.dir;
  const base = await engine.history.resolve(engine.branch);
  if (!base) {
    throw new OrbitError('E_UNKNOWN_BRANCH', `branch ${engine.branch} not found in ${repoDir}`, {
      branch: engine.branch,
    });
  }
  const source = serviceId(request.name, request.from);
  const target = serviceId(request.name, request.to);
  const [services, statuses] = await Promise.all([listServices(repoDir, base), engine.status()]);
  const status = statuses.find((s) => s.service === source) ?? null;
  const deployed = status?.current?.config_commit ?? null;
  const atBase = await gitRefReader(repoDir, base);
  const sourceValues = deployed
    ? await (await gitRefReader(repoDir, deployed)).read(valuesPath(source))
    : null;
  const steps = deployed
    ? await engine.history.objectIds([`${base}:${deployPath(source)}`, `${deployed}:${deployPath(source)}`])
    : new Map<string, string | null>();
  const plan = planPromotion(request, {
    base,
    services,
    source: status,
    sourceValues,
    targetValues: await atBase.read(valuesPath(target)),
    sameSteps: steps.get(`${base}:${deployPath(source)}`) === steps.get(`${deployed}:${deployPath(source)}`),
  });
  if (plan.kind !== 'promote') return { ...plan, base, commit: null };
  const ref = `refs/heads/${plan.branch}`;
  if (await refExists(repoDir, ref)) {
    throw new OrbitError(
      'E_BRANCH_EXISTS',
      `branch ${plan.branch} exists already: this promotion was written before`,
      {
        branch: plan.branch,
      },
    );
  }
  const commit = await commitOnNewBranch({
    cwd: repoDir,
    parent: base,
    changes: [{ path: plan.path, content: plan.content }],
    message: plan.message,
    ref,
  });
  return { ...plan, base, commit };
}
