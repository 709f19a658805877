/**
 * The views of a log with entries applied in memory only, through the same projection the log
 * uses; nothing is written. A dry run (`orbit preview`) plays the entries a range would write
 * on top of the real log, so each later commit sees what the earlier ones did.
 */
import { applyEntry, relatedDeployments } from './projection.js';
import type { DeploymentRecord, LogEntry, ServiceView, StepRecord } from './types.js';
import { unwindPlanOf } from './projection.js';

export interface ViewReader {
  service(serviceId: string): Promise<ServiceView | null>;
  deployment(deployId: string): Promise<DeploymentRecord | null>;
}

export class ViewOverlay implements ViewReader {
  private readonly services = new Map<string, ServiceView>();
  private readonly records = new Map<string, DeploymentRecord>();

  /** `base`: the log read, or null when there is none (everything starts empty). */
  constructor(private readonly base: ViewReader | null) {}

  async service(serviceId: string): Promise<ServiceView | null> {
    const own = this.services.get(serviceId);
    if (own) return structuredClone(own);
    return (await this.base?.service(serviceId)) ?? null;
  }

  async deployment(deployId: string): Promise<DeploymentRecord | null> {
    const own = this.records.get(deployId);
    if (own) return structuredClone(own);
    return (await this.base?.deployment(deployId)) ?? null;
  }

  async unwindPlan(deployId: string): Promise<StepRecord[]> {
    const d = await this.deployment(deployId);
    return d ? unwindPlanOf(d) : [];
  }

  /** Applies one entry to the in-memory views, as an append would. */
  async apply(entry: LogEntry): Promise<void> {
    const services = new Map<string, ServiceView>();
    const records = new Map<string, DeploymentRecord>();
    const load = async (id: string): Promise<DeploymentRecord | undefined> => {
      const d = await this.deployment(id);
      if (d) records.set(id, d);
      return d ?? undefined;
    };
    const view = entry.service_id ? await this.service(entry.service_id) : null;
    if (view) services.set(view.service_id, view);
    const own = entry.deploy_id ? await load(entry.deploy_id) : undefined;
    for (const id of relatedDeployments(entry, own)) await load(id);
    const changes = applyEntry(
      { service: (id) => services.get(id), deployment: (id) => records.get(id), stepLog: () => undefined },
      entry,
    );
    for (const s of changes.services) this.services.set(s.service_id, s);
    for (const d of changes.deployments) this.records.set(d.deploy_id, d);
  }
}
