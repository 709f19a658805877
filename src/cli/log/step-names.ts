/**
 * The names of a deployment's steps as its config commit declares them. The log records a step
 * when it starts, so the steps after a failure have no record: their names come from the config.
 */
import path from 'node:path';
import { loadService } from '../../config/load.js';
import type { DeploymentRecord } from '../../state/types.js';

/** Every step's name, in order; empty when every step ran or the commit's config cannot be read. */
export async function plannedStepNames(repoDir: string, d: DeploymentRecord): Promise<string[]> {
  if (!d.config_commit || (d.step_count ?? 0) <= d.steps.length) return [];
  try {
    const spec = await loadService(path.resolve(repoDir), d.service_id, { ref: d.config_commit });
    return spec.steps.map((s) => s.name);
  } catch {
    // A rewritten branch or a config that no longer loads: the caller says `step N` instead.
    return [];
  }
}
