/**
 * What `orbit status` judges each service by, read once for all services: the log's views and
 * records, the branch's config (blob ids, so a revert that restores the deployed files reads as
 * in sync), the commits Orbit has not processed yet, and, in the process that runs deployments,
 * its queue and the approvals it waits for. The cost is a few git processes for all services.
 */
import type { AckWaiter } from '../../agents/ack-broker.js';
import { listServices } from '../../config/load.js';
import { serviceConfigPaths, servicesTouched, type ConfigHistory } from '../../git/config-history.js';
import type { DeploymentRecord, ServiceView, StateLog } from '../../state/types.js';
import { deploymentId } from '../ids.js';

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

export async function gatherFacts(
  state: StateLog,
  history: ConfigHistory,
  head: string | null,
  live: LiveFacts = NO_LIVE,
): Promise<ServiceFacts[]> {
  const views = new Map((await state.services()).map((v) => [v.service_id, v]));
  const writer = (await state.writerRunning?.()) ?? true;
  const inBranch = head ? await listServices(history.dir, head) : [];
  const names = [...new Set([...views.keys(), ...inBranch])].sort();
  const read = (id: string | null | undefined) => (id ? state.deployment(id) : Promise.resolve(null));
  const records = await Promise.all(
    names.map(async (service) => {
      const view = views.get(service) ?? null;
      const [current, latest, inFlight, waiting] = await Promise.all([
        read(view?.current),
        latestOf(state, view),
        read(view?.in_flight),
        read(view?.waiting?.[0]),
      ]);
      return { current, latest, inFlight, waiting };
    }),
  );
  const [branchCommits, ids, unprocessed] = await Promise.all([
    head ? history.lastCommitsTouching(head, inBranch) : new Map<string, string>(),
    history.objectIds(
      names.flatMap((service, i) => {
        const deployed = records[i]!.current?.config_commit;
        return [
          ...(head ? serviceConfigPaths(head, service) : []),
          ...(deployed ? serviceConfigPaths(deployed, service) : []),
        ];
      }),
    ),
    head ? unprocessedCommits(state, history, head) : NOTHING_UNPROCESSED,
  ]);
  const configId = (commit: string, service: string) =>
    serviceConfigPaths(commit, service)
      .map((p) => ids.get(p) ?? '-')
      .join(' ');

  const now = live.now?.() ?? new Date();
  return names.map((service, i) => {
    const { current, latest, inFlight, waiting } = records[i]!;
    const here = head !== null && inBranch.includes(service);
    return {
      service,
      view: views.get(service) ?? null,
      current,
      latest,
      inFlight,
      stale: inFlight !== null && inFlight.status !== 'unwind-blocked' && !writer,
      inBranch: here,
      branchCommit: branchCommits.get(service) ?? null,
      configMatches:
        here &&
        !!current?.config_commit &&
        configId(head, service) === configId(current.config_commit, service),
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
 * The newest deployment started. Views written before Orbit kept `latest` fall back to the
 * newest sequence that is not a skipped commit (a few records at most).
 */
async function latestOf(state: StateLog, view: ServiceView | null): Promise<DeploymentRecord | null> {
  if (!view) return null;
  if (view.latest !== undefined) return view.latest ? state.deployment(view.latest) : null;
  for (let seq = view.last_sequence; seq > 0 && seq > view.last_sequence - 20; seq--) {
    const d = await state.deployment(deploymentId(view.service_id, seq));
    if (d && d.status !== 'skipped') return d;
  }
  return null;
}

interface Unprocessed {
  rewritten: boolean;
  /** Orbit has processed nothing yet: every service's newest commit is new. */
  all: boolean;
  newest: Map<string, string>;
}

const NOTHING_UNPROCESSED: Unprocessed = { rewritten: false, all: false, newest: new Map() };

/** Per service, the newest branch commit touching it after the log's cursor. */
async function unprocessedCommits(
  state: StateLog,
  history: ConfigHistory,
  head: string,
): Promise<Unprocessed> {
  const cursor = await state.cursor();
  if (cursor === head) return NOTHING_UNPROCESSED;
  if (!cursor) return { ...NOTHING_UNPROCESSED, all: true };
  // A cursor git cannot find is no ancestor either: the branch was rewritten under it.
  if (!(await history.isAncestor(cursor, head).catch(() => false))) {
    return { ...NOTHING_UNPROCESSED, rewritten: true };
  }
  const newest = new Map<string, string>();
  for (const c of await history.commitsBetween(cursor, head)) {
    for (const service of servicesTouched(c.files)) newest.set(service, c.sha);
  }
  return { rewritten: false, all: false, newest };
}
