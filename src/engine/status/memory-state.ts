/**
 * The log's projection kept in memory by its only writer (the daemon): every service's view and
 * the deployments status judges it by (current, latest, in flight, the first waiting: holds and
 * approvals are in them), read once from the branch at start and refreshed by each append from
 * what that append wrote. Every other read goes to the log.
 *
 * The branch moving under this writer (another tool wrote it) is refused: reads throw
 * E_STATE_MOVED, as the writer's next append would; a restart reads the new history afresh.
 */
import type { OrbitStateLog } from '../../state/index.js';
import { unwindPlanOf } from '../../state/projection.js';
import { readBranchSync } from '../../state/refs.js';
import type {
  DeploymentRecord,
  HistoryItem,
  LogEntry,
  ServiceView,
  StateLog,
  StepRecord,
} from '../../state/types.js';
import { deepFreeze } from '../../util/deep-freeze.js';
import { OrbitError } from '../../util/errors.js';
import { factsOfLog, type FactsSource } from './facts.js';

type Inner = OrbitStateLog;

/** Changes remembered for `changedSince`: a reader further behind reads everything again. */
const KEPT_CHANGES = 20_000;

/** The deployments a view names: what status reads for the service. */
export function namedDeployments(v: ServiceView): string[] {
  const ids = [v.current, v.latest, v.in_flight, v.waiting?.[0]].filter((x): x is string => !!x);
  return [...new Set(ids)];
}

/** Git's order of a tree's entries (names compared as directories): what the log's `services()` gives. */
const treeOrder = (a: string, b: string): number => {
  const x = `${a}/`;
  const y = `${b}/`;
  return x < y ? -1 : x > y ? 1 : 0;
};

export class MemoryState implements StateLog {
  readonly branch: string;
  private readonly views = new Map<string, ServiceView>();
  private readonly records = new Map<string, DeploymentRecord>();
  /** Service names in the log's order (kept until a service is added), and their views in it. */
  private order: string[] | null = null;
  private sorted: ServiceView[] | null = null;
  /** The deployment of the head commit's entry: the next append writes its `last_entry`. */
  private headDeploy: string | null = null;
  /** Appends in progress: the branch may be ahead of what the log reports until they return. */
  private appending = 0;
  private refreshes: Promise<void> = Promise.resolve();
  /** Counts changes; the services each change touched, newest last (a bounded window of them). */
  private changes = 0;
  private readonly changed: Array<{ version: number; service: string }> = [];

  /** Status reads these, not copies: frozen, so a reader cannot change them by mistake. */
  readonly facts: FactsSource = {
    services: async () => {
      this.checkHead();
      await this.refreshes;
      return this.sortedViews();
    },
    // The head was checked by `services()`, which status reads first.
    deployment: async (id) => this.records.get(id) ?? this.inner.deployment(id),
    deployments: async (ids) => {
      const out = new Map<string, DeploymentRecord | null>();
      for (const id of ids) out.set(id, this.records.get(id) ?? (await this.inner.deployment(id)));
      return out;
    },
    cursor: () => this.inner.cursor(),
    writerRunning: async () => true,
    version: () => this.changes,
    changedSince: (version) => {
      const first = this.changed[0];
      if (version < this.changes && (!first || first.version > version + 1)) return null;
      const out = new Set<string>();
      for (let i = this.changed.length - 1; i >= 0 && this.changed[i]!.version > version; i--)
        out.add(this.changed[i]!.service);
      return out;
    },
  };

  private constructor(private readonly inner: Inner) {
    this.branch = inner.branch;
  }

  /** Reads the projection from the log (one read of its services, one per named deployment). */
  static async load(inner: Inner): Promise<MemoryState> {
    const m = new MemoryState(inner);
    const views = inner.shared ? await inner.shared.services() : await inner.services();
    await Promise.all(views.map((v) => m.setView(v, new Set())));
    for await (const item of inner.history({ limit: 1 })) m.headDeploy = item.entry.deploy_id;
    m.checkHead();
    return m;
  }

  get lastPushError(): OrbitError | null {
    return this.inner.lastPushError;
  }

  /** The head this projection reflects is the branch's: else another writer moved it. */
  private checkHead(): void {
    if (this.appending > 0) return;
    const found = readBranchSync(this.inner.gitdir, this.branch);
    const expected = this.inner.head();
    if (found !== expected)
      throw new OrbitError(
        'E_STATE_MOVED',
        `the state branch ${this.branch} moved under this Orbit: it wrote ${expected ?? '(none)'}, the branch is at ${found ?? '(none)'}. Another writer changed it; restart Orbit to read the new history`,
        { branch: this.branch, expected, found },
      );
  }

  private touch(service: string): void {
    this.changes++;
    this.changed.push({ version: this.changes, service });
    if (this.changed.length > KEPT_CHANGES) this.changed.splice(0, this.changed.length - KEPT_CHANGES / 2);
  }

  private sortedViews(): ServiceView[] {
    this.order ??= [...this.views.keys()].sort(treeOrder);
    this.sorted ??= this.order.map((s) => this.views.get(s)!);
    return this.sorted;
  }

  /** Keeps a view and the deployments it names; `changed` are re-read even when kept. */
  private async setView(view: ServiceView, changed: ReadonlySet<string>): Promise<void> {
    const named = namedDeployments(view);
    const read = await Promise.all(
      named.map(async (id) =>
        changed.has(id) || !this.records.has(id) ? this.logRecord(id) : this.records.get(id)!,
      ),
    );
    const before = this.views.get(view.service_id);
    this.views.set(view.service_id, deepFreeze(view));
    this.touch(view.service_id);
    this.sorted = null;
    if (!before) this.order = null;
    else for (const id of namedDeployments(before)) if (!named.includes(id)) this.records.delete(id);
    named.forEach((id, i) => {
      const r = read[i];
      if (r) this.records.set(id, deepFreeze(r));
      else this.records.delete(id);
    });
  }

  /**
   * A record as the log holds it (its own object, which the log never changes: see
   * projection.ts), frozen here, rather than a copy: the daemon keeps one copy of each record, and
   * an append of a deployment of many steps does not deep-copy its record again.
   */
  private async logRecord(id: string): Promise<DeploymentRecord | null> {
    const shared = this.inner.shared;
    return shared ? ((await shared.deployments([id])).get(id) ?? null) : this.inner.deployment(id);
  }

  /** After an append: what it wrote, read back from the log (its own cache). */
  private async refresh(e: LogEntry): Promise<void> {
    const changed = new Set(
      [e.deploy_id, e.previous_deploy_id, e.redeploy_of, this.headDeploy].filter((x): x is string => !!x),
    );
    this.headDeploy = e.deploy_id;
    // A success links the deployment it replaced and the one it redeployed (from its record).
    if (e.kind === 'deploy-succeeded' && e.deploy_id) {
      const own = await this.logRecord(e.deploy_id);
      for (const id of [own?.previous_deploy_id, own?.redeploy_of]) if (id) changed.add(id);
    }
    const view = e.service_id ? await this.inner.service(e.service_id) : null;
    if (view) await this.setView(view, changed);
    for (const id of changed) {
      if (!this.records.has(id) || (view && namedDeployments(view).includes(id))) continue;
      const r = await this.logRecord(id);
      if (r) {
        this.records.set(id, deepFreeze(r));
        this.touch(r.service_id);
      }
    }
  }

  async append(entry: LogEntry): Promise<string> {
    return (await this.appendAll([entry]))[0]!;
  }

  async appendAll(entries: readonly LogEntry[]): Promise<string[]> {
    this.appending++;
    try {
      const shas = await this.inner.appendAll(entries);
      const done = this.refreshes.then(async () => {
        for (const e of entries) await this.refresh(e);
      });
      this.refreshes = done.catch(() => undefined);
      await done;
      return shas;
    } finally {
      this.appending--;
    }
  }

  ensureWritable(): Promise<void> {
    return this.inner.ensureWritable();
  }

  writerRunning(): Promise<boolean> {
    return this.inner.writerRunning?.() ?? Promise.resolve(true);
  }

  async service(serviceId: string): Promise<ServiceView | null> {
    this.checkHead();
    const v = this.views.get(serviceId);
    return v ? structuredClone(v) : null;
  }

  async services(): Promise<ServiceView[]> {
    return (await this.facts.services()).map((v) => structuredClone(v));
  }

  async deployment(deployId: string): Promise<DeploymentRecord | null> {
    this.checkHead();
    const r = this.records.get(deployId);
    return r ? structuredClone(r) : this.inner.deployment(deployId);
  }

  stepLog(deployId: string, stepIndex: number): Promise<string | null> {
    return this.inner.stepLog(deployId, stepIndex);
  }

  async unwindPlan(deployId: string): Promise<StepRecord[]> {
    const r = await this.deployment(deployId);
    return r ? unwindPlanOf(r) : [];
  }

  async inFlight(): Promise<DeploymentRecord[]> {
    const out: DeploymentRecord[] = [];
    for (const v of await this.facts.services()) {
      const r = v.in_flight ? await this.deployment(v.in_flight) : null;
      if (r) out.push(r);
    }
    return out;
  }

  cursor(): Promise<string | null> {
    return this.inner.cursor();
  }

  history(options?: { service?: string; limit?: number }): AsyncIterable<HistoryItem> {
    return this.inner.history(options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Where status reads: the projection's own objects when the log is kept in memory. */
export function factsSourceOf(state: StateLog): FactsSource {
  return state instanceof MemoryState ? state.facts : factsOfLog(state);
}
