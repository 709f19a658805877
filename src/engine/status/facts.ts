/**
 * What `orbit status` judges each service by, read once for all services: the log's views and
 * records, the branch's config (blob ids, so a revert that restores the deployed files reads as
 * in sync), the commits Orbit has not processed yet, and, in the process that runs deployments,
 * its queue and the approvals it waits for. The cost is one read of the log's services, one read
 * per deployment in a role, and a few git processes for all services (`branch-facts.ts`).
 */
import type { AckWaiter } from '../../agents/ack-broker.js';
import type { ConfigHistory } from '../../git/config-history.js';
import type { DeploymentRecord, ServiceView, StateLog } from '../../state/types.js';
import { deploymentId } from '../ids.js';
import { BranchFacts, type BranchSnapshot } from './branch-facts.js';
import type { CommitConfig } from './config-ids.js';

export interface ServiceFacts {
  service: string;
  view: ServiceView | null;
  /** The deployment in effect. */
  current: DeploymentRecord | null;
  /** The newest deployment started (any outcome). */
  latest: DeploymentRecord | null;
  /** Running, unwinding or blocked. */
  inFlight: DeploymentRecord | null;
  /** In flight in the log, but no Orbit process runs it: a crash (or a Ctrl-C) left it. */
  stale: boolean;
  /** The branch head has `services/<service>/deploy.hcl`. */
  inBranch: boolean;
  /** The newest branch commit touching the service's files. */
  branchCommit: string | null;
  /** The current deployment's config is the branch's, file for file (false: differs or nothing deployed). */
  configMatches: boolean;
  /** The newest commit touching the service that Orbit has not processed yet. */
  unprocessed: string | null;
  /** The branch no longer contains the last commit Orbit processed. */
  rewritten: boolean;
  /** Jobs of the service waiting in this process (0 outside the process that runs them). */
  queued: number;
  /** The approval the in-flight deployment waits for in this process. */
  waitingAck: AckWaiter | null;
  /** The oldest deployment waiting for its schedule window. */
  waiting: DeploymentRecord | null;
  /** The clock status is judged at (a bake's time left). */
  now: Date;
}

/** What only the process running the deployments knows. */
export interface LiveFacts {
  queued(service: string): number;
  waitingAck(deployId: string): AckWaiter | null;
  /** The process's clock (the engine's, which tests control). */
  now?(): Date;
}

export const NO_LIVE: LiveFacts = { queued: () => 0, waitingAck: () => null };

/** What the log and the branch say about a service: its facts but those of the live process. */
export type BaseFacts = Omit<ServiceFacts, 'queued' | 'waitingAck' | 'now'>;

/**
 * Where status reads the log's views: a `StateLog` (every read a copy), or the daemon's
 * projection in memory (`MemoryState.facts`: the objects it keeps, frozen, not copied).
 */
export interface FactsSource {
  services(): Promise<readonly ServiceView[]>;
  deployment(deployId: string): Promise<DeploymentRecord | null>;
  /** Many at once (absent: one `deployment` each). */
  deployments?(deployIds: readonly string[]): Promise<Map<string, DeploymentRecord | null>>;
  cursor(): Promise<string | null>;
  writerRunning?(): Promise<boolean>;
  /** Changes with every change of a view or a named deployment (the projection in memory). */
  version?(): number;
  /** Services whose view or named deployments changed after `version`; null: not known any more. */
  changedSince?(version: number): ReadonlySet<string> | null;
}

/** A log read from git as a facts source: its views as it holds them (`shared`), not copies. */
export function factsOfLog(state: StateLog): FactsSource {
  const shared = state.shared;
  if (!shared) return state;
  return {
    services: () => shared.services(),
    deployments: (ids) => shared.deployments(ids),
    deployment: (id) => state.deployment(id),
    cursor: () => state.cursor(),
    writerRunning: () => state.writerRunning?.() ?? Promise.resolve(true),
  };
}

/** What every service's facts are read against: the log's views and the branch, read once. */
export interface FactsContext {
  views: ReadonlyMap<string, ServiceView>;
  branch: BranchSnapshot;
  head: string | null;
  writer: boolean;
}

export async function readContext(
  state: FactsSource,
  facts: BranchFacts,
  head: string | null,
): Promise<FactsContext & { viewList: readonly ServiceView[] }> {
  // The branch's git processes run while the log's views are read, not after.
  const branch = state.cursor().then((cursor) => facts.at(head, cursor));
  const [viewList, writer] = await Promise.all([state.services(), state.writerRunning?.() ?? true, branch]);
  let views = viewMaps.get(viewList);
  if (!views) viewMaps.set(viewList, (views = new Map(viewList.map((v) => [v.service_id, v]))));
  return { viewList, views, branch: await branch, head, writer };
}

/**
 * The projection in memory answers the same (frozen) list until a view changes: its map is built
 * once, not on every status (10,000 entries a request at 10,000 services). A `StateLog` answers a
 * new list each time, which is never found here.
 */
const viewMaps = new WeakMap<readonly ServiceView[], ReadonlyMap<string, ServiceView>>();

/** Every service in the log or on the branch, sorted. */
export function serviceNames(c: FactsContext): string[] {
  return [...new Set([...c.views.keys(), ...(c.branch.config?.services ?? [])])].sort();
}

export async function gatherFacts(
  state: FactsSource,
  branch: BranchFacts | ConfigHistory,
  head: string | null,
  live: LiveFacts = NO_LIVE,
): Promise<ServiceFacts[]> {
  const facts = branch instanceof BranchFacts ? branch : new BranchFacts(branch);
  const context = await readContext(state, facts, head);
  const base = await baseFacts(state, facts, context, serviceNames(context));
  const now = live.now?.() ?? new Date();
  return base.map((b) => withLive(b, live, now));
}

/** The live process's facts added: its queue, the approval it waits for, its clock. */
export function withLive(b: BaseFacts, live: LiveFacts, now: Date): ServiceFacts {
  // Field by field, not `{ ...b }`: the spread took 5 µs a service (55 ms of an `orbit status` at
  // 10,000). A field BaseFacts gains and this misses does not compile.
  return {
    service: b.service,
    view: b.view,
    current: b.current,
    latest: b.latest,
    inFlight: b.inFlight,
    stale: b.stale,
    inBranch: b.inBranch,
    branchCommit: b.branchCommit,
    configMatches: b.configMatches,
    unprocessed: b.unprocessed,
    rewritten: b.rewritten,
    waiting: b.waiting,
    queued: live.queued(b.service),
    waitingAck: waitingAckOf(b, live),
    now,
  };
}

/** An in-flight deployment's ack step, or an unwind of the current one waiting for approval. */
export function waitingAckOf(b: BaseFacts, live: LiveFacts): AckWaiter | null {
  const d = b.inFlight ?? b.current;
  return d ? live.waitingAck(d.deploy_id) : null;
}

/** The facts of the services named, in their order: one read per deployment in a role. */
export async function baseFacts(
  state: FactsSource,
  facts: BranchFacts,
  context: FactsContext,
  names: readonly string[],
): Promise<BaseFacts[]> {
  const { views, branch, head, writer } = context;
  const { config, branchCommits, unprocessed } = branch;
  const inBranch = new Set(config?.services ?? []);
  const wanted = new Set<string>();
  for (const name of names) {
    const v = views.get(name);
    if (v) for (const id of [v.current, v.latest, v.in_flight, v.waiting?.[0]]) if (id) wanted.add(id);
  }
  const got = await readAll(state, [...wanted]);
  const get = (id: string | null | undefined): DeploymentRecord | null => (id ? (got.get(id) ?? null) : null);
  const records = names.map((service) => {
    const view = views.get(service) ?? null;
    return {
      current: get(view?.current),
      latest: get(view?.latest),
      inFlight: get(view?.in_flight),
      waiting: get(view?.waiting?.[0]),
    };
  });
  // Views written before Orbit kept `latest` (a few records each).
  await Promise.all(
    names.map(async (service, i) => {
      const view = views.get(service);
      if (view && view.latest === undefined) records[i]!.latest = await latestBefore(state, view);
    }),
  );
  const matches = await configMatches(facts, head, config, branchCommits, names, records);
  return names.map((service, i) => {
    const { current, latest, inFlight, waiting } = records[i]!;
    const here = inBranch.has(service);
    return {
      service,
      view: views.get(service) ?? null,
      current,
      latest,
      inFlight,
      stale: inFlight !== null && inFlight.status !== 'unwind-blocked' && !writer,
      inBranch: here,
      branchCommit: branchCommits.get(service) ?? null,
      configMatches: matches[i]!,
      unprocessed: !here
        ? null
        : unprocessed.all
          ? (branchCommits.get(service) ?? null)
          : (unprocessed.newest.get(service) ?? null),
      rewritten: unprocessed.rewritten,
      waiting: waiting?.status === 'waiting-window' ? waiting : null,
    };
  });
}

async function readAll(state: FactsSource, ids: string[]): Promise<Map<string, DeploymentRecord | null>> {
  if (state.deployments) return state.deployments(ids);
  const records = await Promise.all(ids.map((id) => state.deployment(id)));
  return new Map(ids.map((id, i) => [id, records[i]!]));
}

/**
 * Per service: is the current deployment's config the branch head's, file for file? Deployed
 * from the newest commit touching the service's files, it is (no commit since changed them), so
 * only the others are compared by object ids, each deployed commit read once.
 */
async function configMatches(
  facts: BranchFacts,
  head: string | null,
  config: CommitConfig | null,
  branchCommits: Map<string, string>,
  names: readonly string[],
  records: ReadonlyArray<{ current: DeploymentRecord | null }>,
): Promise<boolean[]> {
  const out = names.map(() => false);
  if (!head || !config) return out;
  const compare: Array<{ i: number; commit: string; service: string }> = [];
  names.forEach((service, i) => {
    const commit = records[i]!.current?.config_commit;
    const files = config.files.get(service);
    if (!commit || !files?.deploy) return;
    // A tree where a file belongs can change inside without the path itself changing.
    const plain = files.deploy.type !== 'tree' && files.values?.type !== 'tree';
    if (plain && commit === branchCommits.get(service)) out[i] = true;
    else if (commit === head) out[i] = true;
    else compare.push({ i, commit, service });
  });
  if (compare.length === 0) return out;
  const ids = await facts.ids.of(compare);
  for (const { i, commit, service } of compare)
    out[i] = ids.get(`${commit} ${service}`) === config.ids.get(service);
  return out;
}

/**
 * A view written before Orbit kept `latest`: the newest sequence that is not a skipped commit
 * (a few records at most).
 */
async function latestBefore(state: FactsSource, view: ServiceView): Promise<DeploymentRecord | null> {
  for (let seq = view.last_sequence; seq > 0 && seq > view.last_sequence - 20; seq--) {
    const d = await state.deployment(deploymentId(view.service_id, seq));
    if (d && d.status !== 'skipped') return d;
  }
  return null;
}
