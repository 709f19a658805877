/**
 * What `orbit status` judges each service by, read once for all services: the log's views and
 * records, the branch's config (blob ids, so a revert that restores the deployed files reads as
 * in sync), the commits Orbit has not processed yet, and, in the process that runs deployments,
 * its queue and the approvals it waits for. The cost is one read of the log's services, one read
 * per deployment in a role, and a few git processes for all services (`branch-facts.ts`).
 */
import type { AckWaiter } from '../../agents/ack-broker.js';
import type { ConfigHistory } from '../../git/config-history.js';
import type { DeploymentRecord, ServiceView } from '../../state/types.js';
import { deploymentId } from '../ids.js';
import { BranchFacts } from './branch-facts.js';
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

const NO_LIVE: LiveFacts = { queued: () => 0, waitingAck: () => null };

/**
 * Where status reads the log's views: a `StateLog` (every read a copy), or the daemon's
 * projection in memory (`MemoryState.facts`: the objects it keeps, frozen, not copied).
 */
export interface FactsSource {
  services(): Promise<readonly ServiceView[]>;
  deployment(deployId: string): Promise<DeploymentRecord | null>;
  cursor(): Promise<string | null>;
  writerRunning?(): Promise<boolean>;
}

export async function gatherFacts(
  state: FactsSource,
  branch: BranchFacts | ConfigHistory,
  head: string | null,
  live: LiveFacts = NO_LIVE,
): Promise<ServiceFacts[]> {
  const facts = branch instanceof BranchFacts ? branch : new BranchFacts(branch);
  const [viewList, writer, cursor] = await Promise.all([
    state.services(),
    state.writerRunning?.() ?? true,
    state.cursor(),
  ]);
  const views = new Map(viewList.map((v) => [v.service_id, v]));
  const { config, branchCommits, unprocessed } = await facts.at(head, cursor);
  const inBranch = new Set(config?.services ?? []);
  const names = [...new Set([...views.keys(), ...inBranch])].sort();
  // One read per deployment, however many roles (current, latest, in flight) it plays.
  const reads = new Map<string, Promise<DeploymentRecord | null>>();
  const read = (id: string | null | undefined): Promise<DeploymentRecord | null> => {
    if (!id) return Promise.resolve(null);
    let r = reads.get(id);
    if (!r) reads.set(id, (r = state.deployment(id)));
    return r;
  };
  const records = await Promise.all(
    names.map(async (service) => {
      const view = views.get(service) ?? null;
      const [current, latest, inFlight, waiting] = await Promise.all([
        read(view?.current),
        latestOf(read, view),
        read(view?.in_flight),
        read(view?.waiting?.[0]),
      ]);
      return { current, latest, inFlight, waiting };
    }),
  );
  const matches = await configMatches(facts, head, config, branchCommits, names, records);

  const now = live.now?.() ?? new Date();
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
      queued: live.queued(service),
      // An in-flight deployment's ack step, or an unwind of the current one waiting for approval.
      waitingAck: inFlight
        ? live.waitingAck(inFlight.deploy_id)
        : current
          ? live.waitingAck(current.deploy_id)
          : null,
      waiting: waiting?.status === 'waiting-window' ? waiting : null,
      now,
    };
  });
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
 * The newest deployment started. Views written before Orbit kept `latest` fall back to the
 * newest sequence that is not a skipped commit (a few records at most).
 */
async function latestOf(
  read: (id: string) => Promise<DeploymentRecord | null>,
  view: ServiceView | null,
): Promise<DeploymentRecord | null> {
  if (!view) return null;
  if (view.latest !== undefined) return view.latest ? read(view.latest) : null;
  for (let seq = view.last_sequence; seq > 0 && seq > view.last_sequence - 20; seq--) {
    const d = await read(deploymentId(view.service_id, seq));
    if (d && d.status !== 'skipped') return d;
  }
  return null;
}
